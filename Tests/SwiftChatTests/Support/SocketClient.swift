import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import Testing
@testable import SwiftChatServer

/// The two notification frames, as exact text.
enum Frame {
    /// Byte for byte what the original's consumer sent (Python's `json.dumps` spacing).
    static let updateInterest = #"{"stream": "notification_stream", "payload": {"message": "UPDATE_INTEREST"}}"#
    static let updateChat = #"{"stream": "notification_stream", "payload": {"message": "UPDATE_CHAT"}}"#
}

/// Bounded polling: true as soon as `condition` holds, false once `timeout` has passed (or the
/// task is cancelled). The default bound is generous: it is only ever reached by a failing test,
/// and a full production pass on a loaded machine was seen to take more than 5 s to deliver.
func eventually(within timeout: Duration = .seconds(20), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline, !Task.isCancelled {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// A real WebSocket client over TCP (HummingbirdWSClient) that records what the server sends.
/// Its connection runs in a task of its own; tests send frames and read what was recorded.
final class SocketClient: Sendable {
    /// How the connection ended.
    enum Outcome: Sendable, Equatable {
        /// The server closed (or answered our close) with this code, if it sent one.
        case closed(code: UInt16?)
        /// The connection failed, e.g. the handshake was refused.
        case failed(String)
    }

    private enum Command: Sendable {
        case text(String)
        case binary([UInt8])
        case close
    }

    private struct State {
        var connected = false
        var texts: [String] = []
        var binaryFrames = 0
        var outcome: Outcome?
        var probesSent = 0
    }

    private let state = Mutex(State())
    private let commands: AsyncStream<Command>.Continuation
    /// Returns once every notification published so far has reached this socket's server-side
    /// queue (through Redis a publication comes back a moment after the request that made it).
    private let publicationsSettled: @Sendable () async -> Void

    /// Starts connecting to `ws://localhost:<port><path>`; see `waitUntilConnected()`.
    init(port: Int, path: String, headers: HTTPFields = [:], maxFrameSize: Int = 1 << 16, autoPing: AutoPingSetup = .disabled,
         publicationsSettled: @escaping @Sendable () async -> Void = {}) {
        let (stream, continuation) = AsyncStream.makeStream(of: Command.self)
        commands = continuation
        self.publicationsSettled = publicationsSettled
        var logger = Logger(label: "swiftchat-tests-socket")
        logger.logLevel = .critical
        let configuration = WebSocketClientConfiguration(
            maxFrameSize: maxFrameSize, additionalHeaders: headers, closeTimeout: .seconds(2), autoPing: autoPing)
        Task {
            let outcome: Outcome
            do {
                let closeFrame = try await WebSocketClient.connect(
                    url: "ws://localhost:\(port)\(path)", configuration: configuration, logger: logger
                ) { inbound, outbound, _ in
                    self.state.withLock { $0.connected = true }
                    try await withThrowingTaskGroup(of: Bool.self) { group in
                        group.addTask {
                            for try await message in inbound.messages(maxSize: 1 << 20) {
                                switch message {
                                case .text(let text): self.state.withLock { $0.texts.append(text) }
                                case .binary: self.state.withLock { $0.binaryFrames += 1 }
                                }
                            }
                            return true
                        }
                        group.addTask {
                            for await command in stream {
                                switch command {
                                case .text(let text): try? await outbound.write(.text(text))
                                case .binary(let bytes): try? await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                                case .close:
                                    try? await outbound.close(.normalClosure, reason: nil)
                                    return false
                                }
                            }
                            return false
                        }
                        // Once the server's side has ended, stop the writer; after our own close,
                        // keep reading until the server answers it.
                        while let inboundEnded = try await group.next() {
                            if inboundEnded {
                                group.cancelAll()
                                break
                            }
                        }
                    }
                }
                outcome = .closed(code: closeFrame.map { UInt16(webSocketErrorCode: $0.closeCode) })
            } catch {
                outcome = .failed("\(error)")
            }
            self.state.withLock { $0.outcome = outcome }
        }
    }

    /// True once the handshake succeeded; false if it failed (or nothing happened in time).
    func waitUntilConnected(within timeout: Duration = .seconds(5)) async -> Bool {
        _ = await eventually(within: timeout) { state.withLock { $0.connected || $0.outcome != nil } }
        return state.withLock { $0.connected }
    }

    var isConnected: Bool { state.withLock { $0.connected } }
    /// Every text frame received, the answers to `probe()` left out.
    var texts: [String] { state.withLock { $0.texts.filter { !Self.isProbeAnswer($0) } } }
    var outcome: Outcome? { state.withLock { $0.outcome } }

    func send(_ text: String) { commands.yield(.text(text)) }
    func send(binary bytes: [UInt8]) { commands.yield(.binary(bytes)) }

    /// A frame on a stream the server does not know gets an error frame naming that stream, in
    /// the socket's own queue behind every notification queued before it: once the answer is
    /// here, so is everything the server had queued for this socket. It also proves the socket
    /// subscribed, which the server does before it reads client frames. Returns false if no
    /// answer came (bounded), e.g. because the socket is closed.
    @discardableResult
    func probe() async -> Bool {
        let number = state.withLock { state -> Int in
            state.probesSent += 1
            return state.probesSent
        }
        send(#"{"stream": "\#(Self.probePrefix)\#(number)", "payload": {}}"#)
        let answer = #"\#(Self.probePrefix)\#(number)\""#  // as escaped inside the error frame
        return await eventually {
            state.withLock { state in state.outcome != nil || state.texts.contains { Self.isProbeAnswer($0) && $0.contains(answer) } }
        } && state.withLock { state in state.texts.contains { Self.isProbeAnswer($0) && $0.contains(answer) } }
    }

    private static let probePrefix = "test-probe-"
    private static func isProbeAnswer(_ text: String) -> Bool { text.hasPrefix(#"{"stream": "error""#) && text.contains(probePrefix) }

    /// Every frame the server sent for what happened so far, and nothing that is still on its
    /// way: waits for the publications made so far to reach the server's queue, then for a
    /// probe's answer (no waiting for a quiet period). A closed socket answers at once.
    func settledTexts() async -> [String] {
        if outcome == nil {
            await publicationsSettled()
            await probe()
        }
        return texts
    }

    /// Waits until at least `count` text frames arrived (bounded), then returns every frame
    /// received once the server's queue for this socket is drained (`settledTexts()`).
    func frames(expecting count: Int) async -> [String] {
        if count > 0 { _ = await eventually { texts.count >= count } }
        return await settledTexts()
    }

    /// Waits (bounded) for the connection to end and returns how.
    func waitForEnd(within timeout: Duration = .seconds(6)) async -> Outcome? {
        _ = await eventually(within: timeout) { state.withLock { $0.outcome != nil } }
        return outcome
    }

    /// Closes from the client side and waits for the server's answer.
    @discardableResult
    func close() async -> Outcome? {
        commands.yield(.close)
        return await waitForEnd()
    }
}

extension AppRuntime {
    /// Returns (bounded) once every publication handed to Redis has come back and been
    /// delivered to this process's sockets; at once with the in-process broker, which delivers
    /// before the request that published answers.
    /// Bounded at 10 s, not `eventually`'s default: after a Redis outage some publications never
    /// come back, and every later call would wait out the whole bound.
    func publicationsSettled() async {
        _ = await eventually(within: .seconds(10)) {
            let counters = broker.subscribers.counters.snapshot
            return counters.received >= counters.published
        }
    }
}

extension TestClientProtocol {
    /// The live server's port (tests of WebSockets run with `.live`).
    func livePort() throws -> Int {
        try #require(port, "WebSocket tests need withApp(.live)")
    }

    /// Starts a socket at `/ws/?token=...` (or the given path) without waiting for the result.
    func startSocket(token: String?, path: String = "/ws/", origin: String? = nil, headers extra: HTTPFields = [:],
                     maxFrameSize: Int = 1 << 16, autoPing: AutoPingSetup = .disabled, runtime: AppRuntime? = nil) throws -> SocketClient {
        var headers = extra
        if let origin { headers[.origin] = origin }
        let target = token.map { "\(path)?token=\($0)" } ?? path
        let settled: @Sendable () async -> Void = { if let runtime { await runtime.publicationsSettled() } }
        return SocketClient(port: try livePort(), path: target, headers: headers, maxFrameSize: maxFrameSize, autoPing: autoPing,
                            publicationsSettled: settled)
    }

    /// Opens a socket and waits until the server has subscribed it to the user's notifications,
    /// so that a request made right afterwards is sure to be seen.
    func openSocket(token: String, runtime: AppRuntime, path: String = "/ws/", origin: String? = nil, maxFrameSize: Int = 1 << 16,
                    autoPing: AutoPingSetup = .disabled, sourceLocation: SourceLocation = #_sourceLocation) async throws -> SocketClient {
        // Let the publications already made arrive first, so the socket hears only what
        // happens from now on.
        await runtime.publicationsSettled()
        let before = runtime.broker.subscribers.counters.snapshot.subscriptions
        let socket = try startSocket(token: token, path: path, origin: origin, maxFrameSize: maxFrameSize, autoPing: autoPing,
                                     runtime: runtime)
        try #require(await socket.waitUntilConnected(), "socket did not connect: \(String(describing: socket.outcome))",
                     sourceLocation: sourceLocation)
        // The server's own count of subscriptions, not the open-socket count it takes first.
        try #require(await eventually { runtime.broker.subscribers.counters.snapshot.subscriptions > before },
                     "server never subscribed the socket", sourceLocation: sourceLocation)
        return socket
    }

    /// A raw HTTP/1.1 WebSocket upgrade request on a connection of its own (as WebSocket
    /// clients do), to see the status a refused handshake gets.
    func rawUpgrade(token: String?, path: String = "/ws/", origin: String? = nil, extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        headers[.connection] = "Upgrade"
        headers[HTTPField.Name("Upgrade")!] = "websocket"
        headers[HTTPField.Name("Sec-WebSocket-Version")!] = "13"
        headers[HTTPField.Name("Sec-WebSocket-Key")!] = "dGhlIHNhbXBsZSBub25jZQ=="
        if let origin { headers[.origin] = origin }
        let target = token.map { "\(path)?token=\($0)" } ?? path
        let sent = headers
        return try await TestClient.withClient(host: "localhost", port: try livePort()) { connection in
            let response = try await connection.get(target, headers: sent)
            return Reply(status: response.status, headers: response.headers, text: response.body.map { String(buffer: $0) } ?? "")
        }
    }
}
