import Foundation
import Testing
@testable import SwiftChatServer

/// A WebSocket is admitted once: the handshake gate checks the token and reads the user, and the
/// upgrade and the socket take that user from the connection.
@Suite struct WebSocketAdmissionTests {
    @Test("an upgrade after another request on the same connection is sent to a new connection, where the gate admits it")
    func upgradeOnAReusedConnection() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let port = try client.livePort()
            let target = "/ws/?token=\(cast.alice.access)"
            let reused = try await RawWebSocket.connect(port: port)
            // HEAD: a head without a body, so the next response starts right after it.
            try await reused.send(bytes: Array("HEAD /health/ HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8))
            #expect(try await reused.responseHead().status == 200)
            let key = Data((0..<16).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString()
            let redirect = try await reused.handshake(target: target, key: key, port: port)
            #expect(redirect.status == 307, "\(redirect.statusLine)")
            #expect(redirect.headers["location"] == target)
            #expect(redirect.headers["connection"] == "close")
            #expect(runtime.openSockets == 0)
            await reused.close()

            // The client's new connection: its first request, read and admitted by the gate.
            let socket = try await RawWebSocket.open(port: port, target: target)
            #expect(await eventually { runtime.openSockets == 1 })
            try await client.sendInterest(from: cast.rahul, to: cast.alice)
            if case .frame(let frame) = await socket.nextFrame() {
                #expect(String(decoding: frame.payload, as: UTF8.self).contains("UPDATE_INTEREST"))
            } else {
                Issue.record("no notification on Alice's socket")
            }
            await socket.close()
            // A count, not a timing: a loaded machine (the whole suite at once) may take a while
            // to see the close, so the wait is generous.
            #expect(await eventually(within: .seconds(90)) { runtime.openSockets == 0 })
        }
    }

    /// The router is looser than the gate about what a path is (`//ws/` routes to the socket):
    /// a handshake anywhere but /ws is answered by the gate with a JSON 404, even with a valid
    /// token, so that nothing reaches the socket unadmitted. One at /ws with a query URLComponents
    /// refuses (a raw `|`) is still admitted by its token.
    @Test("a handshake off /ws gets a JSON 404 from the gate; odd but valid spellings at /ws are admitted")
    func handshakesOffTheSocketPathAreRefused() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let port = try client.livePort()
            for (target, expected) in [("//ws/", 404), ("/ws//", 404), ("/api/core/", 404), ("/ws/", 101)] {
                let socket = try await RawWebSocket.connect(port: port)
                let key = Data((0..<16).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString()
                let reply = try await socket.handshake(target: "\(target)?x=a|b&token=\(cast.alice.access)", key: key, port: port)
                #expect(reply.status == expected, "\(target): \(reply.statusLine)")
                if expected == 404 {
                    #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, "\(target): \(reply.headers)")
                }
                await socket.close()
            }
            #expect(await eventually { runtime.openSockets == 0 })
        }
    }

    @Test("admitted users are kept per open connection only: closing the sockets forgets them")
    func admissionsEndWithTheirConnections() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            var sockets: [SocketClient] = []
            for session in [cast.alice, cast.rahul, cast.maria, cast.alice] {
                sockets.append(try await client.openSocket(token: session.access, runtime: runtime))
            }
            #expect(runtime.admissions.count == sockets.count)
            for socket in sockets { _ = await socket.close() }
            #expect(await eventually { runtime.admissions.count == 0 }, "\(runtime.admissions.count) admissions left")
            // A refused handshake leaves nothing behind either.
            _ = try? await RawWebSocket.open(port: try client.livePort(), target: "/ws/?token=nope")
            #expect(await eventually { runtime.admissions.count == 0 })
        }
    }
}
