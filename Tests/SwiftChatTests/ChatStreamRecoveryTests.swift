import Foundation
import HummingbirdTesting
import Synchronization
import Testing
@testable import SwiftChatCore

/// `v2-api.md` §4's recovery promises for `chat_stream`, tested on real `swiftchat serve`
/// processes. Nothing is lost or repeated when the server dies with SIGKILL mid-load and a new
/// one starts on the same file. Nothing is lost or repeated either when clients keep moving
/// between the two ws processes of a scaled-out deployment. At the end, each test compares what
/// every client holds with the log and the history the server keeps.
// One at a time: each runs several server processes and dozens of sockets, and together they
// starve the timing-sensitive tests running beside them.
@Suite("chat_stream recovery", .serialized)
struct ChatStreamRecoveryTests {
    /// The demo users both tests spread their clients over: the cast, Chen and John, and all five.
    static func fiveUsers(_ api: RemoteClient) async throws -> (cast: Cast, chen: Session, john: Session, all: [Session]) {
        let cast = try await api.cast()
        let chen = try await api.session(Demo.chen)
        let john = try await api.session(Demo.john)
        return (cast, chen, john, [cast.alice, cast.rahul, cast.maria, chen, john])
    }

    /// One event as a client or the log shows it: its seq, and the message of a `message.created`.
    struct SeenEvent: Equatable, Sendable, CustomStringConvertible {
        let seq: Int64
        let message: Int64?

        var description: String { message.map { "\(seq):m\($0)" } ?? "\(seq)" }
    }

    /// A message as its conversation's history holds it.
    struct StoredMessage: Sendable {
        let id: Int64
        let clientID: String?
    }

    /// What one client held at the end, over every socket it used.
    struct ClientRecord: Sendable {
        var events: [SeenEvent] = []
        /// The port of each socket that connected, in order.
        var ports: [Int] = []
        var problems: [String] = []

        /// How often the client moved to another process.
        var moves: Int { zip(ports, ports.dropFirst()).count { $0.0 != $0.1 } }
    }

    /// One post as its poster saw it, retries included.
    struct PostRecord: Sendable {
        let clientID: String
        let conversation: Int64
        var attempts = 0
        /// The status of the 2xx answer: 201, or 200 when a retry found the first attempt stored.
        var status: Int?
        var id: Int64?
    }

    /// A poster: who posts, where.
    struct Poster: Sendable {
        let user: Session
        let conversation: Int64
    }

    /// What the test's tasks share: where the server listens now, how far the clients and
    /// posters are, and, once posting is over, the last seq of each user's log.
    final class Coordination: Sendable {
        struct State: Sendable {
            var port: Int
            var subscribedClients = 0
            var clientsPastEarlyDrops = 0
            var answeredPosts = 0
            var finalSeqs: [Int64: Int64]?
        }

        private let state: Mutex<State>

        init(port: Int) {
            state = Mutex(State(port: port))
        }

        var current: State { state.withLock { $0 } }

        func update(_ change: (inout State) -> Void) {
            state.withLock { change(&$0) }
        }

        /// True once `seq` is the last of `user`'s log, which is known only when posting is over.
        func isComplete(_ user: Int64, at seq: Int64?) -> Bool {
            guard let seq else { return false }
            return state.withLock { $0.finalSeqs?[user] == seq }
        }
    }

    // MARK: The tests

    @Test("SIGKILL mid-load, then a new server on the same file: every client ends with each stored message once, in order; every answered post is stored once")
    func sigkillMidLoad() async throws {
        try await withTemporaryDirectory { folder in
            let environment = [
                "DATABASE_NAME": folder.appendingPathComponent("chat.sqlite3").path,
                // Kept across the restart, so the tokens the clients hold stay valid.
                "SECRET_KEY": "recovery-secret-key-0123456789abcdef",
                "SWIFTCHAT_MESSAGE_RATE_PER_USER": "0", "SWIFTCHAT_WS_MAX_SOCKETS_PER_USER": "0",
            ]
            let first = try await ServerProcess.start("before-kill", environment: environment, folder: folder)
            var second: ServerProcess?
            do {
                let api = first.client
                let (cast, chen, john, users) = try await Self.fiveUsers(api)
                let left = try await api.createGroup("left", by: cast.alice, members: [cast.rahul, cast.maria])
                let right = try await api.createGroup("right", by: chen, members: [john, cast.alice])
                let interest = try await api.sendInterest(from: cast.rahul, to: chen)
                try await api.acceptInterest(interest, by: chen)
                let direct = try await api.directConversation(of: interest, for: cast.rahul)
                let members = [left: [cast.alice, cast.rahul, cast.maria], right: [chen, john, cast.alice], direct: [cast.rahul, chen]]
                let posters = [
                    Poster(user: cast.alice, conversation: left), Poster(user: cast.maria, conversation: left),
                    Poster(user: chen, conversation: right), Poster(user: john, conversation: right),
                    Poster(user: cast.rahul, conversation: direct), Poster(user: chen, conversation: direct),
                ]
                let postsEach = 20
                let clients = 30
                let coordination = Coordination(port: first.port)
                let deadline = ContinuousClock.now.advanced(by: .seconds(50))

                // The clients follow whichever server runs now.
                async let following = Self.followAll(
                    clients, users: users, earlyDrops: 0, port: { _, _ in coordination.current.port }, coordination: coordination, deadline: deadline)
                try #require(await eventually(within: .seconds(30)) { coordination.current.subscribedClients == clients },
                             "only \(coordination.current.subscribedClients) of \(clients) clients subscribed")
                async let posting = Self.postAll(posters, each: postsEach...postsEach, until: { true }, coordination: coordination, deadline: deadline)

                // Mid-load: a good part of the posts answered, the rest still to come.
                let total = posters.count * postsEach
                try #require(await eventually(within: .seconds(30)) { coordination.current.answeredPosts >= total * 2 / 5 })
                #expect(await first.kill() == 128 + SIGKILL)
                let answeredBeforeKill = coordination.current.answeredPosts
                let restarted = try await ServerProcess.start("after-kill", environment: environment, folder: folder)
                second = restarted
                coordination.update { $0.port = restarted.port }

                let posts = await posting
                let api2 = restarted.client
                let histories = try await Self.histories(members, from: api2)
                let logs = try await Self.logs(of: users, from: api2)
                coordination.update { $0.finalSeqs = logs.compactMapValues { $0.last?.seq } }
                let records = await following

                #expect(answeredBeforeKill < total, "the kill came before the last post was answered")
                #expect(posts.count == total)
                #expect(posts.filter { $0.status == nil }.isEmpty, "every post is answered 2xx in the end: \(posts.filter { $0.status == nil }.prefix(3))")
                #expect(posts.contains { $0.attempts > 1 }, "the kill cut posts short, which were sent again")
                #expect(posts.filter { $0.status == 200 && $0.attempts == 1 }.isEmpty, "200 only for a retry whose first attempt was stored")
                Self.expectPostsStoredOnce(posts, histories: histories)
                #expect(records.values.filter { $0.ports.count < 2 }.isEmpty, "every client reconnected after the kill")
                Self.expectLogsHoldHistories(logs, users: users, histories: histories, members: members)
                Self.expectClientsHoldTheirLogs(records, clients: clients, users: users, logs: logs)
                // One writer: a conversation's messages reach each log in the order of their ids.
                for (user, log) in logs {
                    let ownConversations = members.filter { $0.value.contains { $0.id == user } }.keys
                    for conversation in ownConversations {
                        let ids = Set((histories[conversation] ?? []).map(\.id))
                        let order = log.compactMap(\.message).filter { ids.contains($0) }
                        #expect(order == order.sorted(), "user \(user), conversation \(conversation): messages out of id order")
                    }
                }
            } catch {
                await first.stop()
                await second?.stop()
                throw error
            }
            await first.stop()
            #expect(await second?.stop() == 0, "the restarted server exits cleanly on SIGTERM")
        }
    }

    @Test(
        "a storm across processes: sockets keep moving between two ws processes while the web process takes posts; every client ends with each message once, in order",
        .enabled(
            if: (TestBackends.postgresURL != nil && TestBackends.redisURL != nil) || TestBackends.required,
            "needs SWIFTCHAT_TEST_DATABASE_URL and SWIFTCHAT_TEST_REDIS_URL (scripts/test_backends.sh start)"))
    func stormAcrossProcesses() async throws {
        let redisURL = try #require(TestBackends.redisURL, "SWIFTCHAT_TEST_REDIS_URL")
        try await withStorePlace(.postgres) { place in
            try await withTemporaryDirectory { folder in
                let (web, ws1, ws2) = try await ServerProcess.startScaledOut(
                    databaseURL: try #require(place.databaseURL), redisURL: redisURL, secret: "recovery-secret-key-0123456789abcdef",
                    extra: [
                        "SWIFTCHAT_MESSAGE_RATE_PER_USER": "0", "SWIFTCHAT_WS_MAX_SOCKETS_PER_USER": "0",
                        "SWIFTCHAT_DATABASE_CONNECTIONS": "10",
                    ], folder: folder)
                let servers = [web, ws1, ws2]
                do {
                    let wsPorts = [ws1.port, ws2.port]
                    let api = web.client
                    let (cast, chen, john, users) = try await Self.fiveUsers(api)
                    let north = try await api.createGroup("north", by: cast.alice, members: [cast.rahul, cast.maria])
                    let south = try await api.createGroup("south", by: cast.maria, members: [chen, john])
                    let members = [north: [cast.alice, cast.rahul, cast.maria], south: [cast.maria, chen, john]]
                    let posters = [
                        Poster(user: cast.alice, conversation: north), Poster(user: cast.rahul, conversation: north),
                        Poster(user: chen, conversation: south), Poster(user: john, conversation: south),
                    ]
                    let clients = 100
                    let earlyDrops = 5
                    let coordination = Coordination(port: web.port)
                    let deadline = ContinuousClock.now.advanced(by: .seconds(50))

                    // Half the clients start on each ws process; each socket after that is on the other one.
                    async let following = Self.followAll(
                        clients, users: users, earlyDrops: earlyDrops, port: { client, hop in wsPorts[(client + hop) % 2] },
                        coordination: coordination, deadline: deadline)
                    try #require(await eventually(within: .seconds(30)) { coordination.current.subscribedClients == clients },
                                 "only \(coordination.current.subscribedClients) of \(clients) clients subscribed")
                    // Posts keep coming until every client is through its early drops (bounded).
                    async let posting = Self.postAll(
                        posters, each: 25...150, until: { coordination.current.clientsPastEarlyDrops >= clients }, coordination: coordination,
                        deadline: deadline)

                    let posts = await posting
                    let histories = try await Self.histories(members, from: api)
                    let logs = try await Self.logs(of: users, from: api)
                    coordination.update { $0.finalSeqs = logs.compactMapValues { $0.last?.seq } }
                    let records = await following

                    // A post may need a retry on a loaded machine (a 503 while the database is busy);
                    // its client_id makes the retry safe, and `expectPostsStoredOnce` checks it.
                    #expect(posts.filter { $0.status == nil }.isEmpty, "every post is answered 2xx: \(posts.filter { $0.status == nil }.prefix(3))")
                    #expect(posts.filter { $0.status == 200 && $0.attempts == 1 }.isEmpty, "200 only for a retry whose first attempt was stored")
                    #expect(coordination.current.clientsPastEarlyDrops == clients, "posting lasted until every client had moved")
                    Self.expectPostsStoredOnce(posts, histories: histories)
                    let unmoved = records.filter { $0.value.moves < earlyDrops }.map { "client \($0.key): ports \($0.value.ports)" }
                    #expect(unmoved.isEmpty, "every client moved between the ws processes \(earlyDrops) times or more: \(unmoved.prefix(3))")
                    Self.expectLogsHoldHistories(logs, users: users, histories: histories, members: members)
                    Self.expectClientsHoldTheirLogs(records, clients: clients, users: users, logs: logs)
                } catch {
                    for server in servers { await server.stop() }
                    throw error
                }
                for server in servers {
                    #expect(await server.stop() == 0, "a clean exit on SIGTERM: \(server.output.suffix(1_500))")
                }
            }
        }
    }

    // MARK: Clients

    /// `clients` clients at once, client `n` for `users[n % users.count]`; returns what each held.
    static func followAll(
        _ clients: Int, users: [Session], earlyDrops: Int, port: @escaping @Sendable (_ client: Int, _ hop: Int) -> Int,
        coordination: Coordination, deadline: ContinuousClock.Instant
    ) async -> [Int: ClientRecord] {
        await withTaskGroup(of: (Int, ClientRecord).self) { group in
            for number in 0..<clients {
                group.addTask {
                    let record = await follow(
                        users[number % users.count], number: number, earlyDrops: earlyDrops, port: { port(number, $0) },
                        coordination: coordination, deadline: deadline)
                    return (number, record)
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    /// One client of `user`. It subscribes, and whenever its socket ends (or it drops it), it
    /// connects again and resumes from the last seq it holds, until it holds the user's whole
    /// log. Its first `earlyDrops` sockets are dropped as soon as a few messages came on them.
    /// Bounded in sockets and by `deadline`.
    static func follow(
        _ user: Session, number: Int, earlyDrops: Int, port: (_ hop: Int) -> Int, coordination: Coordination,
        deadline: ContinuousClock.Instant
    ) async -> ClientRecord {
        var record = ClientRecord()
        var counted = false
        var pastEarlyDrops = false
        func leaveEarlyDrops() {
            if !pastEarlyDrops { coordination.update { $0.clientsPastEarlyDrops += 1 } }
            pastEarlyDrops = true
        }
        defer { leaveEarlyDrops() }
        for hop in 0..<40 {
            guard ContinuousClock.now < deadline, !Task.isCancelled, !coordination.isComplete(user.id, at: record.events.last?.seq) else { break }
            if hop == earlyDrops { leaveEarlyDrops() }
            guard let (socket, connectedPort) = await connect(token: user.access, port: { port(hop) }, deadline: deadline) else {
                record.problems.append("hop \(hop): no socket before the deadline")
                break
            }
            record.ports.append(connectedPort)
            ChatStreamTests.subscribe(socket, since: record.events.last?.seq ?? 0)
            if !counted {
                _ = await waitFor(within: .seconds(20)) { socket.outcome != nil || socket.texts.contains { $0.hasPrefix(subscribedPrefix) } }
                counted = socket.texts.contains { $0.hasPrefix(subscribedPrefix) }
                if counted { coordination.update { $0.subscribedClients += 1 } }
            }
            if hop < earlyDrops {
                let wanted = 1 + number % 3
                _ = await waitFor(within: .seconds(3)) { socket.outcome != nil || messageCount(socket) >= wanted }
            } else {
                _ = await waitFor(within: ContinuousClock.now.duration(to: deadline)) {
                    socket.outcome != nil || coordination.isComplete(user.id, at: lastSeq(socket) ?? record.events.last?.seq)
                }
            }
            if socket.outcome == nil { _ = await socket.close() }
            // Everything the socket got counts: a repeat across sockets must show.
            record.events += events(in: socket.texts)
        }
        return record
    }

    /// A connected socket to the port `port()` names at each attempt, and that port. Refused
    /// handshakes (the server is down, restarting or busy) are tried again, bounded in count
    /// and by `deadline`.
    static func connect(token: String, port: () -> Int, deadline: ContinuousClock.Instant) async -> (SocketClient, Int)? {
        for _ in 0..<300 {
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return nil }
            let target = port()
            let socket = SocketClient(port: target, path: "/ws/?token=\(token)")
            if await socket.waitUntilConnected(within: .seconds(10)) { return (socket, target) }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// True once `condition` holds; false after `timeout` or once the task is cancelled. At a
    /// pace for a hundred clients checking at once.
    static func waitFor(within timeout: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    private static let eventPrefix = #"{"stream":"chat_stream","payload":{"type":"event","event":{"seq":"#
    private static let subscribedPrefix = #"{"stream":"chat_stream","payload":{"type":"subscribed""#

    /// The events among a socket's frames, in the order they came.
    static func events(in texts: [String]) -> [SeenEvent] {
        texts.compactMap { text in
            guard text.hasPrefix(eventPrefix), let frame = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
                  let event = frame["payload"]?["event"] else { return nil }
            return seenEvent(event)
        }
    }

    static func seenEvent(_ event: JSONValue) -> SeenEvent? {
        guard case .int(let seq)? = event["seq"] else { return nil }
        guard case .string("message.created")? = event["type"], case .int(let id)? = event["data"]?["message"]?["id"] else {
            return SeenEvent(seq: seq, message: nil)
        }
        return SeenEvent(seq: seq, message: id)
    }

    /// The seq of the socket's latest event, read from the frame's fixed opening: cheap enough
    /// for every client to check often.
    static func lastSeq(_ socket: SocketClient) -> Int64? {
        guard let text = socket.texts.last(where: { $0.hasPrefix(eventPrefix) }) else { return nil }
        return Int64(String(text.dropFirst(eventPrefix.count).prefix { $0.isNumber }))
    }

    static func messageCount(_ socket: SocketClient) -> Int {
        socket.texts.count { $0.hasPrefix(eventPrefix) && $0.contains(#""type":"message.created""#) }
    }

    // MARK: Posters

    /// Each poster posts its messages one after another, at least `each.lowerBound` and at most
    /// `each.upperBound`, stopping in between once `until()` holds.
    static func postAll(
        _ posters: [Poster], each: ClosedRange<Int>, until enough: @escaping @Sendable () -> Bool, coordination: Coordination,
        deadline: ContinuousClock.Instant
    ) async -> [PostRecord] {
        await withTaskGroup(of: [PostRecord].self) { group in
            for (number, poster) in posters.enumerated() {
                group.addTask {
                    var records: [PostRecord] = []
                    for index in 0..<each.upperBound {
                        guard ContinuousClock.now < deadline, !Task.isCancelled, index < each.lowerBound || !enough() else { break }
                        records.append(await post(
                            "m\(number)-\(index)", clientID: "p\(number)-\(index)", by: poster, coordination: coordination, deadline: deadline))
                    }
                    return records
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// Posts with a `client_id` until an answer is 2xx. A request that failed (the server died
    /// under it, or is not back yet) is sent again with the same `client_id`, to whichever
    /// server runs now. Bounded in attempts and by `deadline`.
    static func post(_ text: String, clientID: String, by poster: Poster, coordination: Coordination, deadline: ContinuousClock.Instant) async
        -> PostRecord
    {
        var record = PostRecord(clientID: clientID, conversation: poster.conversation)
        let body = #"{"text": "\#(text)", "client_id": "\#(clientID)"}"#
        while record.status == nil, record.attempts < 300, ContinuousClock.now < deadline, !Task.isCancelled {
            record.attempts += 1
            let api = RemoteClient(port: coordination.current.port)
            if let reply = try? await api.call(.post, "/api/v2/conversations/\(poster.conversation)/messages/", json: body, token: poster.user.access),
               reply.status == .created || reply.status == .ok
            {
                record.status = reply.status.code
                record.id = try? leadingID(reply)
                coordination.update { $0.answeredPosts += 1 }
            } else {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        return record
    }

    // MARK: What the server holds, and the checks

    /// Every event of each user's log, read page by page (bounded).
    static func logs(of users: [Session], from api: RemoteClient) async throws -> [Int64: [SeenEvent]] {
        var logs: [Int64: [SeenEvent]] = [:]
        for user in users {
            var events: [SeenEvent] = []
            for _ in 0..<20 {
                let reply = try await api.call(.get, "/api/v2/events/?since=\(events.last?.seq ?? 0)&limit=1000", token: user.access)
                try #require(reply.status == .ok, "events of \(user.id): \(reply.text)")
                guard case .array(let page)? = reply.json?["events"], !page.isEmpty else { break }
                events += page.compactMap(seenEvent)
            }
            logs[user.id] = events
        }
        return logs
    }

    /// Every message of each conversation, ascending, read page by page (bounded) as its first member.
    static func histories(_ members: [Int64: [Session]], from api: RemoteClient) async throws -> [Int64: [StoredMessage]] {
        var histories: [Int64: [StoredMessage]] = [:]
        for (conversation, people) in members {
            let reader = try #require(people.first)
            var messages: [StoredMessage] = []
            for _ in 0..<20 {
                let path = "/api/v2/conversations/\(conversation)/messages/?after=\(messages.last?.id ?? 0)&limit=200"
                let reply = try await api.call(.get, path, token: reader.access)
                try #require(reply.status == .ok, "history of \(conversation): \(reply.text)")
                guard case .array(let rows)? = reply.json?["results"] else { break }
                messages += rows.compactMap { row in
                    guard case .int(let id)? = row["id"] else { return nil }
                    let clientID: String? = if case .string(let text)? = row["client_id"] { text } else { nil }
                    return StoredMessage(id: id, clientID: clientID)
                }
                guard case .bool(true)? = reply.json?["has_more"] else { break }
            }
            histories[conversation] = messages
        }
        return histories
    }

    /// Each post answered 2xx is stored exactly once, as the message its answer named, and
    /// nothing else is stored.
    static func expectPostsStoredOnce(_ posts: [PostRecord], histories: [Int64: [StoredMessage]]) {
        let stored = histories.values.flatMap { $0 }
        let byClientID = Dictionary(grouping: stored, by: { $0.clientID ?? "" })
        let twice = byClientID.filter { $0.value.count > 1 }.keys.sorted()
        #expect(twice.isEmpty, "client_ids stored more than once: \(twice.prefix(10))")
        let misstored = posts.filter { post in post.status != nil && byClientID[post.clientID]?.map(\.id) != [post.id].compactMap { $0 } }
        #expect(misstored.isEmpty, "answered posts not stored once as answered: \(misstored.prefix(3))")
        let posted = Set(posts.map(\.clientID))
        let strays = stored.filter { !posted.contains($0.clientID ?? "") }
        #expect(strays.isEmpty, "stored messages no post made: \(strays.prefix(3))")
    }

    /// Each user's log runs 1, 2, 3… with no gap and holds each message of the user's
    /// conversations once.
    static func expectLogsHoldHistories(
        _ logs: [Int64: [SeenEvent]], users: [Session], histories: [Int64: [StoredMessage]], members: [Int64: [Session]]
    ) {
        for user in users {
            let log = logs[user.id] ?? []
            #expect(log.map(\.seq) == (0..<log.count).map { Int64($0) + 1 }, "user \(user.id): the log has a gap or a repeat")
            let conversations = members.filter { $0.value.contains { $0.id == user.id } }.keys
            let stored = conversations.flatMap { histories[$0] ?? [] }.map(\.id)
            #expect(log.compactMap(\.message).sorted() == stored.sorted(), "user \(user.id): the log's messages are the history's, each once")
        }
    }

    /// Each client holds exactly its user's log: every event once, in seq order, none missing.
    static func expectClientsHoldTheirLogs(_ records: [Int: ClientRecord], clients: Int, users: [Session], logs: [Int64: [SeenEvent]]) {
        #expect(records.count == clients)
        let wrong = records.sorted { $0.key < $1.key }.compactMap { number, record -> String? in
            let expected = logs[users[number % users.count].id] ?? []
            guard record.events != expected else { return nil }
            let seqs = record.events.map(\.seq)
            let missing = Set(expected.map(\.seq)).subtracting(seqs).sorted()
            let repeated = Dictionary(grouping: seqs, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            let ascending = zip(seqs, seqs.dropFirst()).allSatisfy { $0.0 < $0.1 }
            return "client \(number): \(seqs.count) of \(expected.count) events, missing \(missing.prefix(10)), repeated \(repeated.prefix(10)), "
                + "strictly ascending \(ascending), sockets \(record.ports.count), problems \(record.problems)"
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(clients) clients missing or repeating events: \(wrong.prefix(3))")
    }
}
