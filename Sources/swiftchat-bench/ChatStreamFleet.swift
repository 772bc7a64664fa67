import Histogram

/// One socket per account, each subscribed to `chat_stream` and keeping a `ChatStreamLog`.
/// Every bench post that reaches a socket the first time counts as a delivery, with its
/// post-to-delivery latency.
final class ChatStreamFleet: Sendable {
    let accounts: [Account]
    let logs: [ChatStreamLog]
    let deliveries = Tally()
    /// Typing and presence frames received.
    let relayed = Tally()
    private let fleet: SocketFleet
    private let latencies = LatencyRecorder()

    init(accounts: [Account]) {
        self.accounts = accounts
        logs = accounts.map { _ in ChatStreamLog() }
        fleet = SocketFleet(count: accounts.count, accounts: accounts)
    }

    /// Opens every socket (again, after `closeAll`) and subscribes each from its log's position;
    /// returns how many are connected.
    func open(baseURL: String, concurrency: Int = 256, talksBack: Bool = false) async -> Int {
        await fleet.open(
            baseURL: baseURL, accounts: accounts, concurrency: concurrency, talksBack: talksBack,
            greeting: { self.logs[$0].subscribeFrame },
            onText: { socket, frame, now in
                let parsed = ChatStreamFrame.parse(frame)
                if parsed == .relayed { self.relayed.add() }
                guard let sent = self.logs[socket].receive(parsed, at: now) else { return }
                self.deliveries.add()
                self.latencies.record(now > sent ? (now - sent) / 1000 : 0)
            })
    }

    /// Opens every socket for the first time and waits until each has its `subscribed` answer;
    /// if some do not within 30 s, closes them all and throws, naming `scenario`.
    func openSubscribed(baseURL: String, scenario: String, talksBack: Bool = false) async throws -> Int {
        let connected = await open(baseURL: baseURL, talksBack: talksBack)
        let allSubscribed = await Self.wait(seconds: 30) { self.subscribedSockets >= self.fleet.connected }
        guard allSubscribed, connected == accounts.count else {
            let subscribed = subscribedSockets
            await closeAll()
            throw BenchError(description: "\(scenario): \(connected) of \(accounts.count) sockets connected, \(subscribed) subscribed to chat_stream")
        }
        return connected
    }

    func closeAll() async { await fleet.closeAll() }

    /// A frame from the socket at `index` (opened with `talksBack`).
    func send(_ text: String, fromSocket index: Int) { fleet.sockets[index].send(text) }

    var subscribedSockets: Int { logs.filter { $0.subscriptions > 0 }.count }

    /// Post-to-delivery latencies since the last call, in microseconds.
    func takeLatencies() -> Histogram<UInt64> { latencies.take() }

    var connected: Int { fleet.connected }
    var duplicates: Int { logs.reduce(0) { $0 + $1.duplicates } }
    var skipped: Int { logs.reduce(0) { $0 + $1.skipped } }
    var resyncs: Int { logs.reduce(0) { $0 + $1.resyncs } }

    /// Deliveries missing on all sockets, given the posts each socket is owed (by socket index).
    func missing(_ owed: (Int) -> Set<Int>) -> Int {
        logs.indices.reduce(0) { $0 + logs[$1].missing(of: owed($1)) }
    }

    /// Polls `condition` every 10 ms for at most `seconds`; returns whether it came true.
    static func wait(seconds: Double, until condition: () -> Bool) async -> Bool {
        let deadline = monotonicNanos() + UInt64(seconds * 1e9)
        while !condition() {
            guard monotonicNanos() < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}
