import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatServer

/// How long the server keeps a notification socket: a client that stops answering pings is
/// dropped, and a user deleted while connected hears about the interests that went with them.
@Suite struct WebSocketLifetimeTests {
    typealias Opcode = RawWebSocket.Opcode

    /// Reads what `socket` gets until the connection ends (at most `limit` frames, each read
    /// bounded), answering pings when `answering`; returns the frames and how it ended (nil: it
    /// was still open when the bound ran out).
    static func frames(
        of socket: RawWebSocket, answeringPings answering: Bool, limit: Int
    ) async throws -> (frames: [RawWebSocket.IncomingFrame], end: RawWebSocket.End?) {
        var frames: [RawWebSocket.IncomingFrame] = []
        for _ in 0..<limit {
            switch await socket.nextFrame() {
            case .frame(let frame):
                frames.append(frame)
                if answering && frame.opcode == Opcode.ping { try await socket.send(.pong(frame.payload)) }
            case .ended(let end): return (frames, end)
            case .timedOut: return (frames, nil)
            }
        }
        return (frames, nil)
    }

    /// The server pings; a client that never answers gets a 1001 close and then the end of the
    /// TCP connection, while one that answers the same pings stays open. (The idle watchdog is
    /// off when pings run more often than it would fire, so only the ping timeout can close it.)
    /// A pong is due before the next ping, so the interval is the polite client's whole margin:
    /// two seconds (one was seen to run out on a machine busy with two test passes and a build).
    @Test func aClientThatStopsAnsweringPingsIsClosed() async throws {
        try await withApp(.live, environment: ["SWIFTCHAT_WS_PING_INTERVAL": "2s"]) { client, runtime in
            let alice = try await client.session(Demo.alice)
            let port = try client.livePort()
            let silent = try await RawWebSocket.open(port: port, target: "/ws/?token=\(alice.access)")
            let polite = try await RawWebSocket.open(port: port, target: "/ws/?token=\(alice.access)")

            // The polite socket answers pings for as long as the silent one takes to be dropped, and a few more.
            async let politeRun = Self.frames(of: polite, answeringPings: true, limit: 5)
            let (silentFrames, silentEnd) = try await Self.frames(of: silent, answeringPings: false, limit: 10)
            // Counted while the polite socket is still being read (and so still answering).
            #expect(await eventually { runtime.openSockets == 1 }, "the server still counts \(runtime.openSockets) sockets")
            let (politeFrames, politeEnd) = try await politeRun

            let opcodes = silentFrames.map(\.opcode)
            #expect(opcodes.first == Opcode.ping, "\(silentFrames)")
            #expect(opcodes.filter { $0 != Opcode.ping } == [Opcode.close], "\(silentFrames)")
            #expect(silentFrames.last?.closeCode == 1001, "\(silentFrames)")
            #expect(silentEnd == .closedByServer)

            #expect(politeFrames.count == 5 && politeFrames.allSatisfy { $0.opcode == Opcode.ping }, "\(politeFrames)")
            #expect(politeEnd == nil)
            await polite.close()
        }
    }

    /// An admin deletes Rahul while his socket is open. The server does not close it: it gets
    /// one UPDATE_INTEREST per interest that went with him (as his partners do), nothing after,
    /// and his token opens no new socket and no REST call.
    @Test func aDeletedUsersOpenSocketHearsOfTheRemovedInterestsAndNothingMore() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.sendInterest(from: cast.rahul, to: cast.maria)
            let rahul = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            let alice = try await client.openSocket(token: cast.alice.access, runtime: runtime)

            try await client.adminDeletes(cast.rahul)
            await expectFrames([
                ("rahul", rahul, [Frame.updateInterest, Frame.updateInterest]), ("alice", alice, [Frame.updateInterest]),
            ])
            #expect(rahul.outcome == nil, "the server closed the deleted user's socket: \(String(describing: rahul.outcome))")

            // What happens afterwards is no longer his business.
            try await client.sendInterest(from: cast.alice, to: cast.maria)
            await expectFrames([
                ("rahul", rahul, [Frame.updateInterest, Frame.updateInterest]),
                ("alice", alice, [Frame.updateInterest, Frame.updateInterest]),
            ])

            let again = try await client.rawUpgrade(token: cast.rahul.access)
            #expect(again.status == .forbidden)
            let me = try await client.call(.get, Routes.me, token: cast.rahul.access)
            #expect(me.status == .unauthorized)
            #expect(me.text == #"{"detail":"User not found","code":"user_not_found"}"#)
            #expect(runtime.openSockets == 2)
            await rahul.close()
            await alice.close()
        }
    }
}
