import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatRedis
@testable import SwiftChatServer

/// Online and last seen (issue "Everyday chat"): a heartbeat TTL, not disconnect callbacks,
/// decides who has gone, so a killed process cannot leave anyone online.
@Suite("Presence")
struct PresenceTests {
    static let epoch = Date(timeIntervalSince1970: 1_795_561_652)

    static func registry(beside broker: any Broker) -> any PresenceRegistry {
        (broker as? RedisBroker).map { RedisPresence(channel: $0.channel, broker: $0) } ?? InMemoryPresence()
    }

    @Test("refresh names who arrived, expiry who left, each once; a refresh never shortens another's", arguments: BrokerBackend.available)
    func registryRules(backend: BrokerBackend) async throws {
        try await withBroker(backend) { broker, makePeer in
            let presence = Self.registry(beside: broker)
            let at: @Sendable (TimeInterval) -> Date = { Self.epoch.addingTimeInterval($0) }
            #expect(try await presence.refresh([1, 2], until: at(10), now: at(0)) == [1, 2])
            #expect(try await presence.refresh([1, 3], until: at(12), now: at(1)) == [3], "1 was online already")
            #expect(try await presence.refresh([2], until: at(5), now: at(2)).isEmpty)
            #expect(try await presence.online(among: [1, 2, 3, 4], at: at(9)) == [1, 2, 3], "2's longer promise stands")
            #expect(try await presence.expire(at: at(9)).isEmpty)
            #expect(try await presence.expire(at: at(10)) == [2])
            #expect(try await presence.online(among: [1, 2, 3], at: at(11)) == [1, 3])

            // Two processes sweeping at once: each departure reported by one of them.
            guard let peer = try await makePeer() else { return }
            let other = Self.registry(beside: peer)
            let users = (100..<160).map { UserID(rawValue: Int64($0)) }
            _ = try await presence.refresh(users, until: at(20), now: at(13))
            let sweep = at(30)
            async let mine = presence.expire(at: sweep)
            async let theirs = other.expire(at: sweep)
            let (a, b) = try await (mine, theirs)
            #expect(Set(a).isDisjoint(with: b))
            #expect(Set(a).union(b) == Set(users).union([1, 3]))
        }
    }

    static func presenceFrames(_ socket: SocketClient, of user: Int64) -> [(online: Bool, lastSeen: Bool)] {
        socket.texts.compactMap { text in
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
                  value["payload"]?["type"] == .string("presence.changed"), value["payload"]?["user"] == .int(user),
                  case .bool(let online)? = value["payload"]?["online"] else { return nil }
            return (online, value["payload"]?["last_seen"] != .null)
        }
    }

    static func memberPresence(_ client: some TestClientProtocol, _ conversation: Int64, of user: Int64, by viewer: Session) async throws -> (JSONValue?, JSONValue?) {
        let reply = try await client.call(.get, "/api/v2/conversations/\(conversation)/", token: viewer.access)
        let member = reply.json?["members"]?.elements?.first { $0["user"]?["id"] == .int(user) }
        return (member?["online"], member?["last_seen"])
    }

    @Test("people who share a conversation see a user come, hide, and go after the TTL with a last_seen; others hear nothing")
    func comingAndGoing() async throws {
        // A TTL of a few seconds: under a loaded machine a shorter one lapsed between heartbeats.
        try await withApp(.live, environment: ["SWIFTCHAT_PRESENCE_TTL": "4s"]) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            let rahul = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            let maria = try await client.openSocket(token: cast.maria.access, runtime: runtime)
            for socket in [rahul, maria] { try await ChatStreamTests.subscribed(socket, since: nil) }

            let alice = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            #expect(await eventually { Self.presenceFrames(rahul, of: cast.alice.id).first?.online == true }, "\(rahul.texts)")
            #expect(try await Self.memberPresence(client, group, of: cast.alice.id, by: cast.rahul).0 == .bool(true))

            // Hidden: shown offline and unseen to others at once, still as it is to herself.
            #expect(try await client.call(.put, "/api/v2/me/presence/", json: #"{"hidden": true}"#, token: cast.alice.access).text == #"{"hidden":true}"#)
            #expect(await eventually { Self.presenceFrames(rahul, of: cast.alice.id).last?.online == false })
            #expect(try await Self.memberPresence(client, group, of: cast.alice.id, by: cast.rahul) == (.bool(false), .null))
            #expect(try await Self.memberPresence(client, group, of: cast.alice.id, by: cast.alice).0 == .bool(true))
            #expect(try await client.call(.get, "/api/v2/me/presence/", token: cast.alice.access).text == #"{"hidden":true}"#)
            #expect(try await client.call(.put, "/api/v2/me/presence/", json: #"{"hidden": "no"}"#, token: cast.alice.access).status == .badRequest)
            #expect(try await client.call(.put, "/api/v2/me/presence/", json: #"{"hidden": false}"#, token: cast.alice.access).status == .ok)
            #expect(await eventually { Self.presenceFrames(rahul, of: cast.alice.id).last?.online == true })

            // Her last socket goes: offline once the TTL has run out, with when she was last seen.
            let before = Self.presenceFrames(rahul, of: cast.alice.id).count
            _ = await alice.close()
            #expect(await eventually { Self.presenceFrames(rahul, of: cast.alice.id).count > before })
            #expect(Self.presenceFrames(rahul, of: cast.alice.id).last.map { !$0.online && $0.lastSeen } == true, "\(rahul.texts)")
            let (online, lastSeen) = try await Self.memberPresence(client, group, of: cast.alice.id, by: cast.rahul)
            #expect(online == .bool(false) && lastSeen != .null && lastSeen != nil)
            #expect(Self.presenceFrames(maria, of: cast.alice.id).isEmpty, "Maria shares no conversation with Alice")
        }
    }

    @Test("a ws process killed with its users' sockets: they go offline within the TTL, told to a socket on the other process",
          .enabled(if: (TestBackends.postgresURL != nil && TestBackends.redisURL != nil) || TestBackends.required,
                   "needs SWIFTCHAT_TEST_DATABASE_URL and SWIFTCHAT_TEST_REDIS_URL (scripts/test_backends.sh start)"))
    func killedProcess() async throws {
        let redisURL = try #require(TestBackends.redisURL)
        try await withStorePlace(.postgres) { place in
            try await withTemporaryDirectory { folder in
                let (web, ws1, ws2) = try await ServerProcess.startScaledOut(
                    databaseURL: try #require(place.databaseURL), redisURL: redisURL, secret: "presence-secret-key-0123456789abcdef",
                    extra: ["SWIFTCHAT_PRESENCE_TTL": "2s"], folder: folder)
                do {
                    let api = web.client
                    let cast = try await api.cast()
                    let group = try await api.createGroup("g", by: cast.alice, members: [cast.rahul])
                    let watcher = SocketClient(port: ws2.port, path: "/ws/?token=\(cast.rahul.access)")
                    try #require(await watcher.waitUntilConnected())
                    try await ChatStreamTests.subscribed(watcher, since: nil)
                    let doomed = SocketClient(port: ws1.port, path: "/ws/?token=\(cast.alice.access)")
                    try #require(await doomed.waitUntilConnected())
                    #expect(await eventually { Self.presenceFrames(watcher, of: cast.alice.id).first?.online == true }, "\(watcher.texts)")
                    #expect(try await Self.memberPresence(api, group, of: cast.alice.id, by: cast.rahul).0 == .bool(true))

                    await ws1.kill()
                    #expect(await eventually(within: .seconds(15)) { Self.presenceFrames(watcher, of: cast.alice.id).last?.online == false },
                            "ws2: \(ws2.output.suffix(1_000))")
                    #expect(try await Self.memberPresence(api, group, of: cast.alice.id, by: cast.rahul).0 == .bool(false))
                    _ = await watcher.close()
                } catch {
                    for server in [web, ws1, ws2] { await server.stop() }
                    throw error
                }
                for server in [web, ws2] { await server.stop() }
            }
        }
    }
}
