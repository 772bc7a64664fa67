import Foundation
import NIOCore

/// Just enough of an HTTP/1.1 request head to route the handshake decision.
struct RequestHead {
    let method: String
    let path: String
    let token: String?
    let origin: String?
    let isWebSocketUpgrade: Bool
    /// Why the upgrade request cannot succeed (RFC 6455 §4.2.1), or nil when it can.
    let handshakeProblem: HandshakeProblem?

    enum HandshakeProblem {
        /// `Sec-WebSocket-Version` is missing or not 13: 426 with the version we speak.
        case version
        /// `Sec-WebSocket-Key` is not the base64 of a 16-byte nonce.
        case key
    }

    /// `headLength`: the head's bytes at the front of `buffer`, up to and with the blank line.
    /// Lines may end in CRLF or, as RFC 9112 lets a server accept, in a bare LF.
    init(_ buffer: ByteBuffer, headLength: Int) {
        let view = buffer.readableBytesView
        let text = String(decoding: view.prefix(headLength), as: UTF8.self)
        // Split on scalars: to String, CR LF is one Character, and would never match "\n".
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(String.UnicodeScalarView(line.last == "\r" ? line.dropLast() : line[...]))
        }
        let requestLine = lines.first?.split(separator: " ") ?? []
        method = requestLine.first.map(String.init) ?? ""
        let target = requestLine.count >= 2 ? requestLine[1] : ""
        // Split by hand: a target URLComponents refuses (a raw `|` in the query) must still be
        // recognised as a handshake at /ws.
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = parts.first.map(String.init) ?? ""
        token = parts.count > 1 ? Self.firstValue(of: "token", in: parts[1]) : nil
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            if headers[name] == nil { headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        origin = headers["origin"]
        // `Upgrade` is a list (`websocket, h2c`): any websocket token makes it a handshake.
        let upgrades = headers["upgrade"]?.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        isWebSocketUpgrade = requestLine.first == "GET" && upgrades.contains("websocket")
        if headers["sec-websocket-version"] != "13" {
            handshakeProblem = .version
        } else if Data(base64Encoded: headers["sec-websocket-key"] ?? "")?.count != 16 {
            handshakeProblem = .key
        } else {
            handshakeProblem = nil
        }
    }

    /// The first value of `name` in a query string, percent-decoded.
    static func firstValue(of name: String, in query: Substring) -> String? {
        for item in query.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair[0].removingPercentEncoding == name else { continue }
            return pair.count > 1 ? String(pair[1]).removingPercentEncoding ?? String(pair[1]) : ""
        }
        return nil
    }
}
