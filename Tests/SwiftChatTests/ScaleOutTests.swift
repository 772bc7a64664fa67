import Foundation
import Logging
import HummingbirdTesting
import Testing
@testable import RedisClient
import PostgresNIO
@testable import SwiftChatCore
@testable import SwiftChatPostgres
@testable import SwiftChatRedis
@testable import SwiftChatServer

/// Which brokers the broker conformance tests run on: the in-process one always, Redis when
/// `SWIFTCHAT_TEST_REDIS_URL` is set (or required).
enum BrokerBackend: String, Sendable, CustomTestStringConvertible {
    case inProcess, redis

    static var available: [BrokerBackend] { TestBackends.redisURL == nil && !TestBackends.required ? [.inProcess] : [.inProcess, .redis] }

    var testDescription: String { rawValue }
}

/// A broker of `backend` with a recording fan-out; for Redis, on a channel of its own and with
/// its connection loop running. `makePeer` builds another broker on the same channel, as
/// another process would hold.
func withBroker(
    _ backend: BrokerBackend,
    _ body: (any Broker, _ makePeer: () async throws -> (any Broker)?) async throws -> Void
) async throws {
    func fanout() -> LocalFanout { LocalFanout(logger: testLogger, render: NotificationSocketHandler.render) }
    switch backend {
    case .inProcess:
        try await body(InProcessBroker(subscribers: fanout())) { nil }
    case .redis:
        let endpoint = try RedisEndpoint(url: try #require(TestBackends.redisURL, "SWIFTCHAT_TEST_REDIS_URL"))
        let channel = "swiftchat-test:\(UUID().uuidString)"
        var brokers: [RedisBroker] = []
        func make() async -> RedisBroker {
            let broker = RedisBroker(endpoint: endpoint, channel: channel, listens: true, subscribers: fanout(), logger: testLogger)
            await broker.start()
            brokers.append(broker)
            return broker
        }
        /// start() gives up after its first attempt on a loaded machine and run() subscribes
        /// again; the tests here are about a subscribed broker, so they begin once it is.
        func connected(_ broker: RedisBroker) async throws -> RedisBroker {
            try #require(await eventually { broker.health == .connected }, "the broker never subscribed")
            return broker
        }
        let first = await make()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await first.run() }
            try await body(try await connected(first)) {
                let peer = await make()
                group.addTask { await peer.run() }
                return try await connected(peer)
            }
            group.cancelAll()
        }
        for broker in brokers { await broker.stop() }
    }
}

@Suite("Broker conformance")
struct BrokerConformanceTests {
    static let publication = Publication(event: .chatMessagePosted(interest: 7, message: 9), topics: [.user(1), .user(2), .user(1)])

    @Test("a publication reaches this process's subscribers of its topics, in order, once per listing", arguments: BrokerBackend.available)
    func localDelivery(backend: BrokerBackend) async throws {
        try await withBroker(backend) { broker, _ in
            let one = RecordingSink(), two = RecordingSink(), bystander = RecordingSink()
            broker.subscribers.subscribe(one, to: .user(1))
            broker.subscribers.subscribe(two, to: .user(2))
            broker.subscribers.subscribe(bystander, to: .user(3))
            await broker.publish(Self.publication)
            await broker.publish(.interestChanged(Interest(id: 7, sentBy: 2, sentTo: 1, isAccepted: true, createdAt: .now)))
            #expect(await eventually { one.texts.count == 3 && two.texts.count == 2 }, "counters: \(broker.subscribers.counters.snapshot)")
            #expect(one.texts == [Frame.updateChat, Frame.updateChat, Frame.updateInterest])
            #expect(two.texts == [Frame.updateChat, Frame.updateInterest])
            // A sentinel for the bystander, published last: once it is there, anything sent to
            // the bystander before it would be too (Redis keeps a publisher's order).
            await broker.publish(Publication(event: .chatMessagePosted(interest: 8, message: 10), topics: [.user(3)]))
            #expect(await eventually { !bystander.texts.isEmpty })
            #expect(bystander.texts == [Frame.updateChat], "the bystander got only the sentinel")
            #expect(broker.subscribers.counters.snapshot.publishFailures == 0)
        }
    }

    @Test("Redis: publications reach the sockets of another process, and only Redis brokers say they do", arguments: BrokerBackend.available)
    func crossProcessDelivery(backend: BrokerBackend) async throws {
        try await withBroker(backend) { broker, makePeer in
            guard let peer = try await makePeer() else {
                #expect(!broker.reachesOtherProcesses)
                return
            }
            #expect(broker.reachesOtherProcesses)
            let remote = RecordingSink()
            peer.subscribers.subscribe(remote, to: .user(2))
            for _ in 0..<50 { await broker.publish(Self.publication) }
            #expect(await eventually { remote.texts.count == 50 })
            #expect(broker.subscribers.counters.snapshot.published == 50)
            #expect(peer.subscribers.counters.snapshot.received == 50)
        }
    }

    @Test(
        "Redis: a message on the channel that is not a publication is counted and skipped",
        .enabled(if: BrokerBackend.available.contains(.redis), "needs SWIFTCHAT_TEST_REDIS_URL (scripts/test_backends.sh start)"))
    func malformedMessagesAreSkipped() async throws {
        let endpoint = try RedisEndpoint(url: try #require(TestBackends.redisURL))
        let channel = "swiftchat-test:\(UUID().uuidString)"
        let fanout = LocalFanout(logger: testLogger, render: NotificationSocketHandler.render)
        let broker = RedisBroker(endpoint: endpoint, channel: channel, listens: true, subscribers: fanout, logger: testLogger)
        await broker.start()
        let sink = RecordingSink()
        fanout.subscribe(sink, to: .user(1))
        let outsider = try await RedisConnection.connect(to: endpoint, logger: testLogger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await broker.run() }
            // start() gives up after its first attempt on a loaded machine, and run() subscribes
            // again: only a subscribed broker can hear what follows.
            try #require(await eventually { broker.health == .connected }, "the broker never subscribed")
            for junk in ["not json", #"{"v": 99, "event": "chat", "interest": 1, "topics": ["user-1"]}"#, #"{"v": 1, "event": "chat"}"#] {
                _ = try await outsider.publish(Array(junk.utf8), to: channel)
            }
            _ = try await outsider.publish(PublicationCodec.encode(.init(event: .interestChanged(3), topics: [.user(1)])), to: channel)
            #expect(await eventually { sink.texts.count == 1 })
            #expect(fanout.counters.snapshot.malformed == 3)
            group.cancelAll()
        }
        await outsider.close()
        await broker.stop()
    }
}

/// What `/health/` says of the broker. (Bound to a constant before `#expect`: the compiler
/// crashes on this call inside the macro.)
func brokerState(_ client: any TestClientProtocol) async -> String? {
    try? await client.call(.get, "/health/").dictionary["broker"] as? String
}

/// The test owns the process and stops and starts it from one task at a time.
extension RedisServerProcess: @unchecked Sendable {}

/// Redis going away must cost notifications only: writes commit and answer as usual, the
/// failure is logged and counted, and delivery comes back on its own.
@Suite("Redis outage", .enabled(if: RedisServerProcess.isAvailable || TestBackends.required, "needs redis-server on PATH (Debian's redis-server package)"))
struct RedisOutageTests {
    @Test func writesSucceedWhileRedisIsDownAndDeliveryResumesWhenItIsBack() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let channel = "swiftchat-test:\(UUID().uuidString)"
        try await withApp(.live, environment: ["REDIS_URL": "redis://127.0.0.1:\(redis.port)", "SWIFTCHAT_REDIS_CHANNEL": channel]) { client, runtime in
            let broker = try #require(runtime.broker as? RedisBroker)
            // Another process's view of the channel: what reaches it went through Redis.
            let peerFanout = LocalFanout(logger: testLogger, render: NotificationSocketHandler.render)
            let peer = RedisBroker(endpoint: redis.endpoint, channel: channel, listens: true, subscribers: peerFanout, logger: testLogger)
            await peer.start()
            let peerRun = Task { await peer.run() }
            defer { peerRun.cancel() }

            let cast = try await client.cast()
            let aliceSocket = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            let remoteAlice = RecordingSink()
            peerFanout.subscribe(remoteAlice, to: .user(UserID(rawValue: cast.alice.id)))
            let counters = { runtime.broker.subscribers.counters.snapshot }

            let stateBefore = await brokerState(client)
            #expect(stateBefore == "connected")
            try await client.sendInterest(from: cast.rahul, to: cast.alice)
            #expect(await eventually { remoteAlice.texts.count == 1 && aliceSocket.texts.count == 1 })
            // Each change publishes its v1 notification and a wake-up for the event logs it grew.
            #expect(counters().published == 2)

            redis.stop()
            #expect(await eventually(within: .seconds(10)) { !broker.isPublisherConnected })
            #expect(try await client.call(.get, "/health/").status == .ok, "Redis down costs notifications, not the service")
            let stateWhileDown = await brokerState(client)
            #expect(stateWhileDown == "disconnected")
            let interest = try await client.sendInterest(from: cast.maria, to: cast.alice)
            try await client.acceptInterest(interest, by: cast.alice)
            let message = try await client.postMessage("sent while Redis is down", in: interest, by: cast.maria)
            let stored = try await client.call(.get, "/api/my_app/interests/\(interest)/chat_messages/", token: cast.alice.access)
            #expect(stored.status == .ok)
            #expect(stored.array.contains { ($0["id"] as? Int).map(Int64.init) == message }, "the write committed: \(stored.text)")
            #expect(counters().publishFailures == 6, "each failed publish is counted")
            #expect(await eventually { aliceSocket.texts.count == 4 }, "this process's own sockets are still told")
            #expect(remoteAlice.texts.count == 1, "other processes miss what Redis never carried")

            try await redis.start()
            #expect(await eventually(within: .seconds(30)) { broker.isPublisherConnected && peer.isPublisherConnected })
            // The subscriptions come back on their own too; publish until one gets through.
            let resumed = await eventually(within: .seconds(30)) {
                _ = try? await client.postMessage("after Redis came back", in: interest, by: cast.maria)
                try? await Task.sleep(for: .milliseconds(200))
                return remoteAlice.texts.count > 1
            }
            #expect(resumed, "delivery through Redis resumed")
            let reconnected = await eventually { await brokerState(client) == "connected" }
            #expect(reconnected, "the health route shows the broker connected again")
            #expect(remoteAlice.texts.last == Frame.updateChat)
            #expect(counters().connectionFailures > 0)
            _ = await aliceSocket.close()
        }
    }
}

/// The original's topology: a web process for HTTP, ws processes for sockets, one database,
/// Redis between them. Real `swiftchat` processes on PostgreSQL and Redis.
@Suite(
    "Cross-process",
    .enabled(
        if: (TestBackends.postgresURL != nil && TestBackends.redisURL != nil) || TestBackends.required,
        "needs SWIFTCHAT_TEST_DATABASE_URL and SWIFTCHAT_TEST_REDIS_URL (scripts/test_backends.sh start)"))
struct CrossProcessTests {
    @Test func messagesAndTypingReachSocketsOnBothWSProcesses() async throws {
        let redisURL = try #require(TestBackends.redisURL, "SWIFTCHAT_TEST_REDIS_URL")
        try await withStorePlace(.postgres) { place in
            try await withTemporaryDirectory { folder in
                let (web, ws1, ws2) = try await ServerProcess.startScaledOut(
                    databaseURL: try #require(place.databaseURL), redisURL: redisURL,
                    secret: "cross-process-secret-key-0123456789abcdef", folder: folder)
                let servers = [web, ws1, ws2]
                do {

                    let api = web.client
                    let cast = try await api.cast()
                    #expect(try await ws1.client.call(.get, "/api/core/user/me/", token: cast.alice.access).status == .notFound,
                            "a ws process serves no API")
                    #expect(try await ws1.client.call(.get, "/swagger.json/").status == .notFound, "nor its documentation")
                    #expect(try await web.client.call(.get, "/ws/").status == .notFound, "and web serves no socket")
                    let aliceOnWS1 = SocketClient(port: ws1.port, path: "/ws/?token=\(cast.alice.access)")
                    let aliceOnWS2 = SocketClient(port: ws2.port, path: "/ws/?token=\(cast.alice.access)")
                    let rahulOnWS2 = SocketClient(port: ws2.port, path: "/ws/?token=\(cast.rahul.access)")
                    // Maria's sockets witness the end: a sentinel only she is told of comes last.
                    let mariaOnWS1 = SocketClient(port: ws1.port, path: "/ws/?token=\(cast.maria.access)")
                    let mariaOnWS2 = SocketClient(port: ws2.port, path: "/ws/?token=\(cast.maria.access)")
                    let sockets = [aliceOnWS1, aliceOnWS2, rahulOnWS2, mariaOnWS1, mariaOnWS2]
                    for socket in sockets {
                        try #require(await socket.waitUntilConnected(), "socket: \(String(describing: socket.outcome))")
                        // Answered only once the server has subscribed the socket.
                        try #require(await socket.probe(), "socket never subscribed")
                    }

                    let interest = try await api.sendInterest(from: cast.rahul, to: cast.alice)
                    try await api.acceptInterest(interest, by: cast.alice)
                    _ = try await api.postMessage("across processes", in: interest, by: cast.rahul)
                    let chen = try await api.session(Demo.chen)
                    try await api.sendInterest(from: chen, to: cast.maria)
                    // Each ws process delivers its Redis messages in order: once Maria's socket
                    // has the sentinel, every earlier publication is in the others' queues, and a
                    // probe drains those.
                    for witness in [mariaOnWS1, mariaOnWS2] {
                        #expect(await eventually(within: .seconds(10)) { !witness.texts.isEmpty }, "the sentinel reached Maria")
                    }

                    let expected = [Frame.updateInterest, Frame.updateInterest, Frame.updateChat]
                    #expect(await aliceOnWS1.settledTexts() == expected, "ws1: \(ws1.output.suffix(1_500))")
                    #expect(await aliceOnWS2.settledTexts() == expected, "ws2: \(ws2.output.suffix(1_500))")
                    #expect(await rahulOnWS2.settledTexts() == [Frame.updateInterest, Frame.updateInterest], "the sender is not told of his own message")
                    #expect(await mariaOnWS1.settledTexts() == [Frame.updateInterest])
                    #expect(await mariaOnWS2.settledTexts() == [Frame.updateInterest])
                    for socket in sockets { _ = await socket.close() }

                    // Typing is relayed through Redis too, to the other member's socket only.
                    let group = try await api.createGroup("g", by: cast.alice, members: [cast.rahul])
                    let typist = SocketClient(port: ws1.port, path: "/ws/?token=\(cast.alice.access)")
                    let listener = SocketClient(port: ws2.port, path: "/ws/?token=\(cast.rahul.access)")
                    let bystander = SocketClient(port: ws2.port, path: "/ws/?token=\(cast.maria.access)")
                    for socket in [typist, listener, bystander] {
                        try #require(await socket.waitUntilConnected())
                        try await ChatStreamTests.subscribed(socket, since: nil)
                    }
                    typist.send(TypingTests.typing(group))
                    #expect(await eventually(within: .seconds(10)) { !TypingTests.typed(listener).isEmpty }, "ws2: \(listener.texts)")
                    #expect(TypingTests.typed(listener).map(\.1).allSatisfy { $0 == cast.alice.id })
                    #expect(TypingTests.typed(bystander).isEmpty && TypingTests.typed(typist).isEmpty)
                    for socket in [typist, listener, bystander] { _ = await socket.close() }
                } catch {
                    for server in servers { await server.stop() }
                    throw error
                }
                for server in servers {
                    #expect(await server.stop() == 0, "a clean exit on SIGTERM")
                }
            }
        }
    }
}

/// PostgreSQL going away: requests are answered 503 in JSON within the timeout instead of
/// hanging, and the server recovers by itself when the database is back.
@Suite("PostgreSQL outage", .enabled(if: TestBackends.postgresURL != nil || TestBackends.required, "needs SWIFTCHAT_TEST_DATABASE_URL (scripts/test_backends.sh start)"))
struct PostgresOutageTests {
    @Test func requestsGet503WhileTheDatabaseRefusesConnectionsAndRecoverAfterwards() async throws {
        let base = try #require(TestBackends.postgresURL, "SWIFTCHAT_TEST_DATABASE_URL")
        // A role of its own, so that its connections can be cut and refused without touching
        // other tests (superusers ignore connection limits, the test cluster's owner is one).
        let role = "outage_" + UUID().uuidString.prefix(8).lowercased()
        let admin = PostgresStore.standalone(url: try PostgresURL(base), maximumConnections: 1, logger: testLogger)
        @Sendable func sql(_ statement: String) async throws { try await admin.client.query(PostgresQuery(unsafeSQL: statement)) }
        try await sql("CREATE ROLE \(role) LOGIN")
        try await sql("CREATE SCHEMA \(role) AUTHORIZATION \(role)")
        var components = try #require(URLComponents(string: base))
        components.user = role
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "options", value: "-csearch_path=\(role)")]
        let url = try #require(components.string)
        do {
            // Long enough for start-up (migrations, seeding) on a machine busy with the whole suite,
        // short enough that the paused request is answered well before the test's time limit.
        try await withApp(environment: ["DATABASE_URL": url, "SWIFTCHAT_DATABASE_TIMEOUT": "3s", "REDIS_URL": ""]) { client, _ in
                let alice = try await client.session(Demo.alice)
                #expect(try await client.call(.get, "/api/core/user/me/", token: alice.access).status == .ok)

                try await sql("ALTER ROLE \(role) CONNECTION LIMIT 0")
                try await sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(role)'")
                let refused = try await client.call(.get, "/api/my_app/interests/", token: alice.access)
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.dictionary["detail"] as? String == "The database is unavailable. Try again later.")
                #expect(refused.headers[.contentType] == "application/json")
                #expect(try await client.call(.get, "/health/").status == .serviceUnavailable)

                try await sql("ALTER ROLE \(role) CONNECTION LIMIT -1")
                #expect(await eventually(within: .seconds(60)) {
                    (try? await client.call(.get, "/api/my_app/interests/", token: alice.access))?.status == .ok
                }, "requests succeed again once the database accepts connections")
            }
        } catch {
            Issue.record(error)
        }
        try await sql("DROP SCHEMA \(role) CASCADE")
        try await sql("DROP ROLE \(role)")
        await admin.close()
    }

    @Test func aDatabaseThatStopsAnsweringGets503WithinTheTimeoutNotAHang() async throws {
        let base = URLComponents(string: try #require(TestBackends.postgresURL, "SWIFTCHAT_TEST_DATABASE_URL"))
        let proxy = try await PausableProxy.start(to: try #require(base?.host), port: try #require(base?.port))
        var throughProxy = try #require(base)
        throughProxy.port = proxy.port
        let url = try #require(throughProxy.string)
        // Long enough for start-up (migrations, seeding) on a machine busy with the whole suite,
        // short enough that the paused request is answered well before the test's time limit.
        try await withApp(environment: ["DATABASE_URL": url, "SWIFTCHAT_DATABASE_TIMEOUT": "3s", "REDIS_URL": ""]) { client, _ in
            let alice = try await client.session(Demo.alice)
            proxy.pause()
            // Answered while the proxy still holds every byte: the deadline answered, since the
            // database never could. (A hang would fail this test at the suite's time limit.)
            let silent = try await client.call(.get, "/api/my_app/interests/", token: alice.access)
            #expect(proxy.isPaused, "the answer came before the database was reachable again")
            #expect(silent.status == .serviceUnavailable)
            #expect(silent.text == #"{"detail":"The database is unavailable. Try again later."}"#)
            #expect(try await client.call(.get, "/health/").status == .serviceUnavailable)
            proxy.resume()
            #expect(await eventually(within: .seconds(60)) {
                (try? await client.call(.get, "/api/my_app/interests/", token: alice.access))?.status == .ok
            })
        }
        await proxy.close()
    }

    @Test func aServerThatCannotReachItsDatabaseStopsWithTheReason() async throws {
        try await withTemporaryDirectory { folder in
            let settings = try testSettings(folder: folder, environment: [
                "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing?sslmode=disable", "SWIFTCHAT_DATABASE_STARTUP_WAIT": "0s",
            ])
            await #expect {
                _ = try await buildApplication(settings: settings, logger: testLogger)
            } throws: { error in
                "\(error)".contains("cannot connect to the database at postgres://nobody@127.0.0.1:1/nothing") && "\(error)".contains("refused")
            }
        }
    }
}
