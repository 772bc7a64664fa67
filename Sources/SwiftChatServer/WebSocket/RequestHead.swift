import Foundation
import NIOCore

/// Just enough of an HTTP/1.1 request head to route the handshake decision.
struct RequestHead {
    let path: String
    let token: String?
    let origin: String?
    let isWebSocketUpgrade: Bool

    /// `headLength`: the head's bytes at the front of `buffer`, up to and with the blank line.
    init(_ buffer: ByteBuffer, headLength: Int) {
        let view = buffer.readableBytesView
        let text = String(decoding: view.prefix(max(0, headLength - 4)), as: UTF8.self)
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.first?.split(separator: " ") ?? []
        let target = requestLine.count >= 2 ? String(requestLine[1]) : ""
        let components = URLComponents(string: target)
        path = components?.path ?? target
        token = components?.queryItems?.first { $0.name == "token" }?.value
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            if headers[name] == nil { headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        origin = headers["origin"]
        isWebSocketUpgrade = requestLine.first == "GET" && headers["upgrade"]?.lowercased() == "websocket"
    }
}
