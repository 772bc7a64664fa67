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
}
