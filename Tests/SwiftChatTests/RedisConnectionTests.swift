import Logging
import NIOCore
import NIOPosix
import RedisClient
import Testing

/// Polls `condition` until it holds; throws `BoundExceeded` after 30 seconds.
func waitUntil(_ condition: @escaping @Sendable () async throws -> Bool) async throws {
    try await bounded {
        while try await !condition() {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Reads `count` messages from the subscription, or throws `BoundExceeded`.
func receive(_ count: Int, from subscription: RedisSubscription) async throws -> [RedisPubSubMessage] {
    try await bounded {
        var received: [RedisPubSubMessage] = []
        for try await message in subscription.messages {
            received.append(message)
            if received.count == count { break }
        }
        return received
    }
}

@Suite(.enabled(if: RedisServerProcess.isAvailable || TestBackends.required, "needs redis-server on PATH (Debian's redis-server package)"))
struct RedisConnectionTests {
    /// Replies here are never lost, only late on a loaded machine (the suite starts dozens of
    /// tests at once): the client's 2 s default would turn lateness into failures.
    static let patience: Duration = .seconds(20)

    @Test func setAndGetAreBinarySafe() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let connection = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)

        let value = (0...255).map(UInt8.init) + Array("\r\n$-1\r\n".utf8)
        let key: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A]
        #expect(try await connection.send([Array("SET".utf8), key, value]) == .simpleString("OK"))
        #expect(try await connection.send([Array("GET".utf8), key]) == .bulkString(value))
        #expect(try await connection.send(["GET", "missing"]) == .bulkString(nil))
        #expect(try await connection.send(["SET", "text", "héllo wörld"]) == .simpleString("OK"))
        #expect(try await connection.send(["GET", "text"]) == .bulkString(Array("héllo wörld".utf8)))
        #expect(try await connection.send(["RPUSH", "list", "a", "b"]) == .integer(2))
        #expect(try await connection.send(["LRANGE", "list", "0", "-1"]) == .array([.bulkString([97]), .bulkString([98])]))
        await connection.close()
    }

    @Test func errorReplyThrowsServerErrorAndConnectionStaysUsable() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let connection = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)

        let error = await #expect(throws: RedisClientError.self) { try await connection.send(["NOSUCHCOMMAND", "x"]) }
        guard case .server(let message) = error else { Issue.record("expected .server, got \(String(describing: error))"); return }
        #expect(message.hasPrefix("ERR unknown command"))

        _ = try await connection.send(["SET", "s", "text"])
        let wrongType = await #expect(throws: RedisClientError.self) { try await connection.send(["INCR", "s"]) }
        #expect(wrongType == .server("ERR value is not an integer or out of range"))
        #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
        #expect(connection.isOpen)
        await connection.close()
    }

    @Test func concurrentSendsArePipelinedAndEachGetsItsOwnReply() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let connection = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)

        let counts = try await withThrowingTaskGroup(of: RESPValue.self) { group in
            for _ in 1...200 {
                group.addTask { try await connection.send(["INCR", "counter"], timeout: .seconds(10)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let numbers = counts.compactMap { reply -> Int64? in
            if case .integer(let number) = reply { number } else { nil }
        }
        #expect(numbers.sorted() == Array(1...200))

        let echoes = try await withThrowingTaskGroup(of: (Int, RESPValue).self) { group in
            for index in 1...200 {
                group.addTask { (index, try await connection.send(["ECHO", "message \(index)"], timeout: .seconds(10))) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(echoes.count == 200)
        for (index, reply) in echoes {
            #expect(reply == .bulkString(Array("message \(index)".utf8)))
        }
        await connection.close()
    }

    @Test func authenticatesWithPasswordAndUsername() async throws {
        let server = try await RedisServerProcess.start(password: "s3cret p@ss")
        defer { server.stop() }

        let withPassword = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)
        #expect(try await withPassword.send(["PING"]) == .simpleString("PONG"))
        await withPassword.close()

        // Username and a percent-encoded password from a URL: sends AUTH default <password>.
        let url = try RedisEndpoint(url: "redis://default:s3cret%20p%40ss@127.0.0.1:\(server.port)")
        let withUser = try await RedisConnection.connect(to: url, timeout: Self.patience, logger: testLogger)
        #expect(try await withUser.send(["PING"]) == .simpleString("PONG"))
        await withUser.close()

        var wrong = server.endpoint
        wrong.password = "wrong"
        let error = await #expect(throws: RedisClientError.self) {
            try await RedisConnection.connect(to: wrong, timeout: Self.patience, logger: testLogger)
        }
        guard case .server(let message) = error else { Issue.record("expected .server, got \(String(describing: error))"); return }
        #expect(message.hasPrefix("WRONGPASS"))

        var none = server.endpoint
        none.password = nil
        let anonymous = try await RedisConnection.connect(to: none, timeout: Self.patience, logger: testLogger)
        let noAuth = await #expect(throws: RedisClientError.self) { try await anonymous.send(["GET", "k"]) }
        #expect(noAuth == .server("NOAUTH Authentication required."))
        await anonymous.close()
    }

    @Test func selectsTheDatabase() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        var three = server.endpoint
        three.database = 3
        let inThree = try await RedisConnection.connect(to: three, timeout: Self.patience, logger: testLogger)
        let inZero = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)

        _ = try await inThree.send(["SET", "where", "three"])
        #expect(try await inThree.send(["GET", "where"]) == .bulkString(Array("three".utf8)))
        #expect(try await inZero.send(["GET", "where"]) == .bulkString(nil))
        #expect(try await inZero.send(["SELECT", "3"]) == .simpleString("OK"))
        #expect(try await inZero.send(["GET", "where"]) == .bulkString(Array("three".utf8)))
        await inThree.close()
        await inZero.close()

        var outOfRange = server.endpoint
        outOfRange.database = 99
        let error = await #expect(throws: RedisClientError.self) {
            try await RedisConnection.connect(to: outOfRange, timeout: Self.patience, logger: testLogger)
        }
        #expect(error == .server("ERR DB index is out of range"))
    }

    @Test func publishReachesEverySubscriberInOrder() async throws {
        let server = try await RedisServerProcess.start(password: "pw")
        defer { server.stop() }
        let first = try await RedisSubscription.subscribe(to: ["room", "news"], at: server.endpoint, timeout: Self.patience, logger: testLogger)
        let second = try await RedisSubscription.subscribe(to: ["room"], at: server.endpoint, timeout: Self.patience, logger: testLogger)
        let publisher = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)

        let payloads = (0..<50).map { Array("message \($0)".utf8) + [0x00, 0x0D, 0x0A] }
        for payload in payloads {
            #expect(try await publisher.publish(payload, to: "room", timeout: Self.patience) == 2)
        }
        #expect(try await publisher.publish(Array("extra".utf8), to: "news", timeout: Self.patience) == 1)
        #expect(try await publisher.publish(Array("nobody".utf8), to: "elsewhere", timeout: Self.patience) == 0)

        let expected = payloads.map { RedisPubSubMessage(channel: "room", payload: $0) }
        #expect(try await receive(51, from: first) == expected + [RedisPubSubMessage(channel: "news", payload: Array("extra".utf8))])
        #expect(try await receive(50, from: second) == expected)

        // A close we asked for ends the stream without an error.
        await second.close()
        let rest = try await bounded { try await second.messages.reduce(into: 0) { count, _ in count += 1 } }
        #expect(rest == 0)
        // Redis notices the disconnect on its own time, so poll rather than expect it at once.
        try await waitUntil {
            try await publisher.send(["PUBSUB", "NUMSUB", "room"]) == .array([.bulkString(Array("room".utf8)), .integer(1)])
        }
        await first.close()
        await publisher.close()
    }

    @Test func closedConnectionFailsFast() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let connection = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)
        await connection.close()
        #expect(!connection.isOpen)
        await #expect(throws: RedisClientError.connectionClosed) { try await connection.send(["PING"]) }
    }

    @Test func serverStopEndsPendingCommandsConnectionsAndSubscriptions() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let connection = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)
        let observer = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)
        let subscription = try await RedisSubscription.subscribe(to: ["room"], at: server.endpoint, timeout: Self.patience, logger: testLogger)

        // BLPOP waits forever on an empty list, so this reply is pending until the server goes away.
        let pending = Task { try await connection.send(["BLPOP", "empty", "0"], timeout: .seconds(60)) }
        try await waitUntil {
            guard case .bulkString(let info?) = try await observer.send(["INFO", "clients"]) else { return false }
            return String(decoding: info, as: UTF8.self).contains("blocked_clients:1")
        }

        server.stop()
        let pendingResult = try await bounded { await pending.result }
        #expect(throws: RedisClientError.connectionClosed) { try pendingResult.get() }
        try await bounded { await connection.waitUntilClosed() }
        #expect(!connection.isOpen)
        await #expect(throws: RedisClientError.connectionClosed) { try await connection.send(["PING"]) }

        let ended = try await bounded {
            do {
                for try await _ in subscription.messages {}
                return "finished"
            } catch {
                return "threw \(error)"
            }
        }
        #expect(ended == "threw \(RedisClientError.connectionClosed)")

        // The same port comes back, as a reconnecting client would need.
        try await server.start()
        let again = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)
        #expect(try await again.send(["PING"]) == .simpleString("PONG"))
        await again.close()
        await observer.close()
    }

    @Test func cancellingAWaitingSendReturnsPromptly() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let connection = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)
        let observer = try await RedisConnection.connect(to: server.endpoint, timeout: Self.patience, logger: testLogger)
        let pending = Task { try await connection.send(["BLPOP", "empty", "0"], timeout: .seconds(60)) }
        try await waitUntil {
            guard case .bulkString(let info?) = try await observer.send(["INFO", "clients"]) else { return false }
            return String(decoding: info, as: UTF8.self).contains("blocked_clients:1")
        }
        pending.cancel()
        let result = try await bounded { await pending.result }
        #expect(throws: CancellationError.self) { try result.get() }
        await connection.close()
        await observer.close()
    }

    @Test func connectingWhereNothingListensFailsWithoutWaitingForTheTimeout() async throws {
        let outcome = try await RedisServerProcess.withRefusingPort { port in
            try await bounded { () async -> String in
                do {
                    let connection = try await RedisConnection.connect(
                        to: RedisEndpoint(host: "127.0.0.1", port: port), timeout: .seconds(30), logger: testLogger
                    )
                    await connection.close()
                    return "connected"
                } catch let error as RedisClientError {
                    return "\(error)"
                } catch {
                    return "refused"
                }
            }
        }
        #expect(outcome == "refused")
    }
}

/// A TCP server that accepts connections and never answers, to exercise the timeouts.
@Suite struct RedisTimeoutTests {
    func withSilentServer(_ body: (RedisEndpoint) async throws -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let endpoint = RedisEndpoint(host: "127.0.0.1", port: server.localAddress!.port!)
        do {
            try await body(endpoint)
        } catch {
            try? await server.close()
            throw error
        }
        try await server.close()
    }

    @Test func connectTimesOutWhenAuthIsNeverAnswered() async throws {
        try await withSilentServer { endpoint in
            let endpoint = RedisEndpoint(host: endpoint.host, port: endpoint.port, password: "pw")
            await #expect(throws: RedisClientError.timeout) {
                try await bounded { try await RedisConnection.connect(to: endpoint, timeout: .milliseconds(200), logger: testLogger) }
            }
            await #expect(throws: RedisClientError.timeout) {
                try await bounded { try await RedisSubscription.subscribe(to: ["x"], at: endpoint, timeout: .milliseconds(200), logger: testLogger) }
            }
        }
    }

    @Test func replyTimeoutClosesTheConnection() async throws {
        try await withSilentServer { endpoint in
            let connection = try await RedisConnection.connect(to: endpoint, logger: testLogger)
            let first = Task { try await connection.send(["PING"], timeout: .milliseconds(200)) }
            let second = Task { try await connection.send(["PING"], timeout: .seconds(60)) }
            let firstResult = try await bounded { await first.result }
            let secondResult = try await bounded { await second.result }
            #expect(throws: RedisClientError.timeout) { try firstResult.get() }
            #expect(throws: RedisClientError.connectionClosed) { try secondResult.get() }
            try await bounded { await connection.waitUntilClosed() }
            #expect(!connection.isOpen)
            await #expect(throws: RedisClientError.connectionClosed) { try await connection.send(["PING"]) }
        }
    }
}
