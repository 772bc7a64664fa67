import Foundation
import Histogram
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization

/// Nanoseconds on a monotonic clock.
func monotonicNanos() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// One bench WebSocket. The writer records, before each post, when the notification it should
/// cause was sent; frames arrive in order per recipient, so each frame closes the oldest entry.
final class BenchSocket: Sendable {
    let userID: Int64
    private struct State {
        var connected = false
        var ended = false
        var pending: [UInt64] = []
        var head = 0
        var received = 0
    }

    private let state = Mutex(State())
    /// Frames to send while connected (scenarios that talk back, such as typing).
    private let outbox = Mutex<AsyncStream<String>.Continuation?>(nil)

    init(userID: Int64) {
        self.userID = userID
    }

    /// Queues a frame for the open connection; dropped when there is none or it falls behind.
    func send(_ text: String) { _ = outbox.withLock { $0 }?.yield(text) }

    /// The frames queued by `send` for this connection, until `detach`.
    func attach() -> AsyncStream<String> {
        let (frames, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(8))
        outbox.withLock { $0 = continuation }
        return frames
    }

    func detach() { outbox.withLock { $0.take() }?.finish() }

    func expect(sentAt nanos: UInt64) { state.withLock { $0.pending.append(nanos) } }

    /// Latency in microseconds of the frame that just arrived, if one was expected.
    func frameArrived(at nanos: UInt64) -> UInt64? {
        state.withLock { state in
            state.received += 1
            guard state.head < state.pending.count else { return nil }
            let sent = state.pending[state.head]
            state.head += 1
            if state.head > 4096 { state.pending.removeFirst(state.head); state.head = 0 }
            return nanos > sent ? (nanos - sent) / 1000 : 0
        }
    }

    var received: Int { state.withLock { $0.received } }
    var outstanding: Int { state.withLock { $0.pending.count - $0.head } }
    var isConnected: Bool { state.withLock { $0.connected && !$0.ended } }
    var hasEnded: Bool { state.withLock { $0.ended } }
    /// Forgets the last connection's end, so that a reopened socket counts as connecting.
    func markConnecting() { state.withLock { $0.connected = false; $0.ended = false } }
    func markConnected() { state.withLock { $0.connected = true } }
    func markEnded() { state.withLock { $0.ended = true } }
}

/// Many authenticated WebSockets held open by one task each.
final class SocketFleet: Sendable {
    let sockets: [BenchSocket]
    private let latencies = LatencyRecorder()
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// Sockets spread round-robin over `accounts`.
    init(count: Int, accounts: [Account]) {
        sockets = (0..<count).map { BenchSocket(userID: accounts[$0 % accounts.count].id) }
    }

    /// Sockets per loopback destination address: each (source, destination) pair has only the
    /// ephemeral port range (about 28,000 ports) to share.
    static let socketsPerDestination = 25_000

    /// Opens every socket, `concurrency` handshakes at a time; returns how many are connected.
    /// Past `socketsPerDestination` sockets, connections are spread over 127.0.0.2, 127.0.0.3, …
    /// (the server must then listen on 0.0.0.0, as a server started by the bench does).
    /// `greeting` gives the text frame a socket sends once connected (by socket index); `onText`
    /// takes each text frame with its arrival time instead of the v1 notification count. After
    /// `closeAll` the same sockets can be opened again.
    /// With `talksBack`, each connection also writes what its socket's `send` queues.
    func open(
        baseURL: String, accounts: [Account], concurrency: Int, talksBack: Bool = false,
        greeting: (@Sendable (Int) -> String?)? = nil,
        onText: (@Sendable (_ socket: Int, _ frame: ByteBuffer, _ nanos: UInt64) -> Void)? = nil
    ) async -> Int {
        let wsBase = baseURL.replacingOccurrences(of: "http://", with: "ws://")
        let destinations = (sockets.count + Self.socketsPerDestination - 1) / Self.socketsPerDestination
        func url(for index: Int) -> String {
            guard destinations > 1 else { return wsBase }
            return wsBase.replacingOccurrences(of: "127.0.0.1", with: "127.0.0.\(1 + index % destinations)")
        }
        let tokens = Dictionary(accounts.map { ($0.id, $0.token) }, uniquingKeysWith: { first, _ in first })
        var logger = Logger(label: "swiftchat-bench")
        logger.logLevel = .critical
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 16, autoPing: .disabled)
        var index = 0
        while index < sockets.count {
            let batch = sockets[index..<min(index + concurrency, sockets.count)]
            for (offset, socket) in batch.enumerated() {
                let position = index + offset
                let url = "\(url(for: position))/ws/?token=\(tokens[socket.userID] ?? "")"
                socket.markConnecting()
                let task = Task {
                    _ = try? await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                        socket.markConnected()
                        if let text = greeting?(position) { try await outbound.write(.text(text)) }
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            if talksBack {
                                let frames = socket.attach()
                                group.addTask { for await text in frames { try await outbound.write(.text(text)) } }
                            }
                            for try await frame in inbound where frame.opcode == .text {
                                let now = monotonicNanos()
                                if let onText {
                                    onText(position, frame.data, now)
                                } else if let latency = socket.frameArrived(at: now) {
                                    self.latencies.record(latency)
                                }
                            }
                            socket.detach()
                            group.cancelAll()
                        }
                    }
                    socket.markEnded()
                }
                tasks.withLock { $0.append(task) }
            }
            // Wait for this batch's handshakes before starting the next.
            for _ in 0..<500 where !batch.allSatisfy({ $0.isConnected || $0.hasEnded }) {
                try? await Task.sleep(for: .milliseconds(10))
            }
            index += batch.count
        }
        return sockets.filter(\.isConnected).count
    }

    func closeAll() async {
        let running = tasks.withLock { tasks in defer { tasks = [] }; return tasks }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    func takeLatencies() -> Histogram<UInt64> { latencies.take() }

    var received: Int { sockets.reduce(0) { $0 + $1.received } }
    var outstanding: Int { sockets.reduce(0) { $0 + $1.outstanding } }
    var connected: Int { sockets.filter(\.isConnected).count }
}
