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

/// Bounded polling: true as soon as `condition` holds, false once `timeout` has passed.
func eventually(within timeout: Duration = .seconds(5), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// How long a test waits to be sure that nothing (more) arrives.
let quietPeriod: Duration = .milliseconds(400)

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
    }

    private let state = Mutex(State())
    private let commands: AsyncStream<Command>.Continuation

    /// Starts connecting to `ws://localhost:<port><path>`; see `waitUntilConnected()`.
    init(port: Int, path: String, headers: HTTPFields = [:], maxFrameSize: Int = 1 << 16, autoPing: AutoPingSetup = .disabled) {
        let (stream, continuation) = AsyncStream.makeStream(of: Command.self)
        commands = continuation
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
    func waitUntilConnected() async -> Bool {
        _ = await eventually { state.withLock { $0.connected || $0.outcome != nil } }
        return state.withLock { $0.connected }
    }

    var isConnected: Bool { state.withLock { $0.connected } }
    var texts: [String] { state.withLock { $0.texts } }
    var outcome: Outcome? { state.withLock { $0.outcome } }

    func send(_ text: String) { commands.yield(.text(text)) }
    func send(binary bytes: [UInt8]) { commands.yield(.binary(bytes)) }

    /// Waits until at least `count` text frames arrived (bounded), then a short quiet period so
    /// that anything unexpected also arrives, and returns every text frame received so far.
    func frames(expecting count: Int) async -> [String] {
        if count > 0 { _ = await eventually { state.withLock { $0.texts.count >= count } } }
        try? await Task.sleep(for: quietPeriod)
        return texts
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

extension TestClientProtocol {
    /// The live server's port (tests of WebSockets run with `.live`).
    func livePort() throws -> Int {
        try #require(port, "WebSocket tests need withApp(.live)")
    }

    /// Starts a socket at `/ws/?token=...` (or the given path) without waiting for the result.
    func startSocket(token: String?, path: String = "/ws/", origin: String? = nil, headers extra: HTTPFields = [:],
                     maxFrameSize: Int = 1 << 16, autoPing: AutoPingSetup = .disabled) throws -> SocketClient {
        var headers = extra
        if let origin { headers[.origin] = origin }
        let target = token.map { "\(path)?token=\($0)" } ?? path
        return SocketClient(port: try livePort(), path: target, headers: headers, maxFrameSize: maxFrameSize, autoPing: autoPing)
    }

    /// Opens a socket and waits until the server has subscribed it to the user's notifications,
    /// so that a request made right afterwards is sure to be seen.
    func openSocket(token: String, runtime: AppRuntime, path: String = "/ws/", origin: String? = nil, maxFrameSize: Int = 1 << 16,
                    autoPing: AutoPingSetup = .disabled, sourceLocation: SourceLocation = #_sourceLocation) async throws -> SocketClient {
        // Through Redis a publication comes back a moment after the request that made it: let
        // those already made arrive first, so the socket hears only what happens from now on.
        _ = await eventually {
            let counters = runtime.broker.subscribers.counters.snapshot
            return counters.received >= counters.published
        }
        let before = runtime.openSockets
        let socket = try startSocket(token: token, path: path, origin: origin, maxFrameSize: maxFrameSize, autoPing: autoPing)
        try #require(await socket.waitUntilConnected(), "socket did not connect: \(String(describing: socket.outcome))",
                     sourceLocation: sourceLocation)
        try #require(await eventually { runtime.openSockets > before }, "server never subscribed the socket",
                     sourceLocation: sourceLocation)
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
