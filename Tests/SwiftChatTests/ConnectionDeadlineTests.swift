import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatServer

/// Connections that hold the server open or send too much: each is answered or closed by the
/// server, within the settings' deadlines, and the server keeps serving others.
@Suite struct ConnectionDeadlineTests {
    /// Short deadlines, so that a connection left waiting is closed in about a second.
    static let quick = [
        "SWIFTCHAT_HTTP_HEAD_TIMEOUT": "1s", "SWIFTCHAT_HTTP_BODY_TIMEOUT": "1s", "SWIFTCHAT_HTTP_KEEPALIVE_TIMEOUT": "1s",
    ]
    /// Far longer than any deadline above: a connection still open then was never closed.
    static let bound: Duration = .seconds(15)

    enum Stall: String, CaseIterable {
        case nothingSent, halfHead, halfBody, halfHandshake, idleKeepAlive

        func start(on connection: RawTCPConnection) async {
            switch self {
            case .nothingSent: break
            case .halfHead: await connection.send("GET /health/ HTTP/1.1\r\nHost: localhost\r\n")
            case .halfBody: await connection.send("POST /api/otp/auth/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\"")
            case .halfHandshake: await connection.send("GET /ws/?token=x HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n")
            case .idleKeepAlive: await connection.send("GET /health/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
            }
        }
    }

    @Test("a connection that stalls is closed by the server", arguments: Stall.allCases)
    func stalledConnectionsAreClosed(_ stall: Stall) async throws {
        try await withApp(.live, environment: Self.quick) { client, _ in
            let connection = try RawTCPConnection(port: try client.livePort())
            await stall.start(on: connection)
            let received = try #require(await connection.readUntilClosed(timeout: Self.bound), "still open after \(Self.bound)")
            if stall == .idleKeepAlive {
                #expect(String(decoding: received, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK"), "the request itself was answered")
            }
            // The test client's own connection is closed as idle too: ask on a new one.
            let next = try RawTCPConnection(port: try client.livePort())
            await next.send("GET /health/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await next.read(until: "}", timeout: Self.bound)?.hasPrefix("HTTP/1.1 200 OK") == true)
        }
    }

    @Test("an oversize first head gets 431 and the connection closes")
    func oversizeFirstHead() async throws {
        try await withApp(.live) { client, _ in
            let connection = try RawTCPConnection(port: try client.livePort())
            await connection.send("GET /health/ HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "a", count: 40_000))\r\n\r\n")
            let answer = String(decoding: try #require(await connection.readUntilClosed(timeout: Self.bound)), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
            #expect(answer.hasSuffix(#"{"detail":"The request head is larger than 32768 bytes."}"#))
        }
    }

    @Test("an oversize head on a kept-alive connection gets 431 too")
    func oversizeLaterHead() async throws {
        try await withApp(.live) { client, _ in
            let connection = try RawTCPConnection(port: try client.livePort())
            await connection.send("GET /health/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await connection.read(until: "}", timeout: Self.bound) != nil)
            await connection.send("GET /health/ HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "a", count: 40_000))\r\n\r\n")
            let answer = String(decoding: try #require(await connection.readUntilClosed(timeout: Self.bound)), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
            #expect(answer.contains("application/json"))
        }
    }

    @Test("a head sent a byte at a time is still answered")
    func headByteByByte() async throws {
        try await withApp(.live) { client, _ in
            let connection = try RawTCPConnection(port: try client.livePort())
            let head = "GET /health/ HTTP/1.1\r\nHost: localhost\r\nX-Pad: \(String(repeating: "p", count: 2000))\r\n\r\n"
            for byte in head.utf8 { await connection.send([byte]) }
            let answer = try #require(await connection.read(until: "}", timeout: Self.bound))
            #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    @Test("a body over the limit gets its 413 even while the client is still sending")
    func oversizeBodyIsAnswered() async throws {
        try await withApp(.live, environment: ["SWIFTCHAT_MAX_BODY_SIZE": "2048"]) { client, _ in
            let connection = try RawTCPConnection(port: try client.livePort())
            let body = String(repeating: "x", count: 200_000)
            await connection.send("POST /api/otp/auth/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
            await connection.send(body)
            let answer = try #require(await connection.read(until: "}", timeout: Self.bound))
            #expect(answer.hasPrefix("HTTP/1.1 413"))
            #expect(answer.hasSuffix(#"{"detail":"Request body is larger than 2048 bytes."}"#))
        }
    }

    @Test("malformed HTTP gets a JSON 400 and the connection closes")
    func malformedRequestLine() async throws {
        try await withApp(.live) { client, _ in
            let connection = try RawTCPConnection(port: try client.livePort())
            await connection.send("GET /health/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await connection.read(until: "}", timeout: Self.bound) != nil)
            await connection.send("GARBAGE\u{1}LINE\r\n\r\n")
            let answer = String(decoding: try #require(await connection.readUntilClosed(timeout: Self.bound)), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(answer.hasSuffix(#"{"detail":"The request is not valid HTTP/1.1."}"#))
        }
    }

    enum BadHandshake: String, CaseIterable {
        case noVersion, version12, noKey, shortKey, notBase64

        var headers: String {
            switch self {
            case .noVersion: "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            case .version12: "Sec-WebSocket-Version: 12\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            case .noKey: "Sec-WebSocket-Version: 13\r\n"
            case .shortKey: "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: YWJj\r\n"
            case .notBase64: "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: not base64!!\r\n"
            }
        }

        var expected: String {
            switch self {
            case .noVersion, .version12: "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"
            case .noKey, .shortKey, .notBase64: "HTTP/1.1 400 Bad Request\r\n"
            }
        }
    }

    /// With a valid token too: these used to wait forever for an answer.
    @Test("a handshake with a bad key or version is answered at once (RFC 6455 §4.2.1)", arguments: BadHandshake.allCases)
    func badHandshakesAreAnswered(_ handshake: BadHandshake) async throws {
        try await withApp(.live) { client, _ in
            let alice = try await client.session(Demo.alice)
            let connection = try RawTCPConnection(port: try client.livePort())
            await connection.send("GET /ws/?token=\(alice.access) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + handshake.headers + "\r\n")
            let answer = String(decoding: try #require(await connection.readUntilClosed(timeout: Self.bound)), as: UTF8.self)
            #expect(answer.hasPrefix(handshake.expected), "\(answer.prefix(120))")
            #expect(answer.contains("application/json"))
        }
    }

    @Test("a head with bare LF line ends is answered, not left to time out")
    func bareLineFeeds() async throws {
        try await withApp(.live) { client, _ in
            let connection = try RawTCPConnection(port: try client.livePort())
            await connection.send("GET /health/ HTTP/1.1\nHost: localhost\n\n")
            let answer = try #require(await connection.read(until: "}", timeout: Self.bound))
            #expect(answer.hasPrefix("HTTP/1.1 200 OK") || answer.hasPrefix("HTTP/1.1 400 Bad Request"), "\(answer.prefix(80))")
        }
    }

    @Test("CONNECT is refused with a framed JSON 405 and the connection closes")
    func connectIsRefused() async throws {
        try await withApp(.live) { client, _ in
            let connection = try RawTCPConnection(port: try client.livePort())
            await connection.send("CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\n")
            let answer = String(decoding: try #require(await connection.readUntilClosed(timeout: Self.bound)), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
            #expect(answer.hasSuffix(#"{"detail":"Method \"CONNECT\" not allowed."}"#))

            let later = try RawTCPConnection(port: try client.livePort())
            await later.send("GET /health/ HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await later.read(until: "}", timeout: Self.bound)?.hasPrefix("HTTP/1.1 200 OK") == true)
            await later.send("CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\n")
            let second = String(decoding: try #require(await later.readUntilClosed(timeout: Self.bound)), as: UTF8.self)
            #expect(second.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"), "a later CONNECT is refused too, and the close ends it")
        }
    }
}
