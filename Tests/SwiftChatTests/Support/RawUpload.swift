import Foundation

/// A multipart upload to `/api/v2/uploads/` over a raw socket, sent in pieces, so that a test
/// can act while the server holds part of the file: close the connection, or change what the
/// server will find when the file ends. With `chunked`, the body goes as
/// `Transfer-Encoding: chunked` (no length the server could refuse up front); otherwise with
/// its `Content-Length`.
struct RawUpload {
    let connection: RawTCPConnection
    let body: [UInt8]
    let chunked: Bool
    private(set) var sent = 0

    /// Connects and sends the request head.
    init(port: Int, token: String, body: MultipartBody, chunked: Bool = false) async throws {
        connection = try RawTCPConnection(port: port)
        self.body = body.bytes
        self.chunked = chunked
        let framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(body.bytes.count)"
        let head = "POST /api/v2/uploads/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: JWT \(token)\r\n"
            + "Content-Type: \(body.contentType)\r\n\(framing)\r\n\r\n"
        guard await connection.send(head) else { throw POSIXError(.ECONNRESET) }
    }

    /// Sends the body's next bytes, up to `offset` (one chunk when chunked); false when the
    /// server has closed the connection.
    @discardableResult
    mutating func send(upTo offset: Int) async -> Bool {
        let end = min(offset, body.count)
        guard end > sent else { return true }
        let piece = Array(body[sent..<end])
        sent = end
        return await connection.send(chunked ? Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + Array("\r\n".utf8) : piece)
    }

    /// Sends the rest of the body (and the last chunk); false when the server has closed the connection.
    @discardableResult
    mutating func finish() async -> Bool {
        guard await send(upTo: body.count) else { return false }
        return chunked ? await connection.send("0\r\n\r\n") : true
    }

    /// What the server answered.
    struct Answer {
        var status: Int
        /// Header names in lower case.
        var headers: [String: String]
        var json: [String: Any]
    }

    /// The answer, once a whole JSON body has arrived; nil when none did within `timeout`.
    func answer(timeout: Duration = .seconds(30)) async -> Answer? {
        guard let text = await connection.read(until: "}", timeout: timeout), let end = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        let statusFields = lines[0].split(separator: " ")
        guard statusFields.count >= 2, let status = Int(statusFields[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(text[end.upperBound...].utf8))) as? [String: Any]
        return Answer(status: status, headers: headers, json: json ?? [:])
    }

    /// Closes the connection mid-request.
    func shutDown() { connection.shutDown() }
}
