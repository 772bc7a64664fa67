import Crypto
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A WebSocket client with no manners: a TCP connection to the loopback server, a handshake
/// written by hand, and frames built byte by byte, so that a test can send what a well-behaved
/// client library never would (no mask, reserved bits and opcodes, fragmented control frames,
/// invalid UTF-8, lengths that announce more than is sent). Everything the server sends is
/// kept as it arrives; every read has a deadline.
final class RawWebSocket: Sendable {
    /// How long a read waits when the caller names no bound.
    static let defaultWait: Duration = .seconds(10)

    enum Opcode {
        static let continuation: UInt8 = 0x0
        static let text: UInt8 = 0x1
        static let binary: UInt8 = 0x2
        static let close: UInt8 = 0x8
        static let ping: UInt8 = 0x9
        static let pong: UInt8 = 0xA
    }

    /// A frame to send, field by field. Nothing is checked: that is the point.
    struct OutgoingFrame: Sendable {
        var fin = true
        /// RSV1 = 4, RSV2 = 2, RSV3 = 1.
        var reservedBits: UInt8 = 0
        var opcode: UInt8
        var payload: [UInt8]
        /// Clients must mask; false sends the payload in the clear.
        var masked = true
        /// Written in the length field instead of the payload's real length (to announce more than is sent).
        var announcedLength: UInt64?

        static func text(_ text: String, fin: Bool = true) -> Self { .init(fin: fin, opcode: Opcode.text, payload: Array(text.utf8)) }
        static func text(bytes: [UInt8], fin: Bool = true) -> Self { .init(fin: fin, opcode: Opcode.text, payload: bytes) }
        static func binary(_ bytes: [UInt8], fin: Bool = true) -> Self { .init(fin: fin, opcode: Opcode.binary, payload: bytes) }
        static func continuation(_ bytes: [UInt8], fin: Bool) -> Self { .init(fin: fin, opcode: Opcode.continuation, payload: bytes) }
        static func ping(_ bytes: [UInt8], fin: Bool = true) -> Self { .init(fin: fin, opcode: Opcode.ping, payload: bytes) }
        static func pong(_ bytes: [UInt8]) -> Self { .init(opcode: Opcode.pong, payload: bytes) }

        /// A close frame: the code (big-endian) and the reason's bytes; no code, no payload at all.
        static func close(code: UInt16?, reason: [UInt8] = []) -> Self {
            let payload = code.map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] + reason } ?? []
            return .init(opcode: Opcode.close, payload: payload)
        }

        /// The bytes on the wire: header, masking key, payload (masked when `masked`).
        var encoded: [UInt8] {
            var bytes: [UInt8] = [(fin ? 0x80 : 0) | ((reservedBits & 0x7) << 4) | (opcode & 0x0F)]
            let length = announcedLength ?? UInt64(payload.count)
            let maskBit: UInt8 = masked ? 0x80 : 0
            if length <= 125 {
                bytes.append(maskBit | UInt8(length))
            } else if length <= 0xFFFF {
                bytes.append(maskBit | 126)
                bytes += [UInt8(length >> 8), UInt8(length & 0xFF)]
            } else {
                bytes.append(maskBit | 127)
                bytes += (0..<8).reversed().map { UInt8((length >> (8 * UInt64($0))) & 0xFF) }
            }
            guard masked else { return bytes + payload }
            let key = (0..<4).map { _ in UInt8.random(in: .min ... .max) }
            bytes += key
            bytes.reserveCapacity(bytes.count + payload.count)
            for (index, byte) in payload.enumerated() { bytes.append(byte ^ key[index & 3]) }
            return bytes
        }
    }

    /// A frame the server sent, as it was on the wire (unmasked if it was masked).
    struct IncomingFrame: Sendable, Equatable, CustomStringConvertible {
        var fin = true
        var reservedBits: UInt8 = 0
        var opcode: UInt8
        var masked = false
        var payload: [UInt8]

        /// What a server answers to a ping with `payload`.
        static func pong(_ payload: [UInt8]) -> Self { .init(opcode: Opcode.pong, payload: payload) }

        /// A close frame's status code; nil for another frame or a close without one.
        var closeCode: UInt16? {
            guard opcode == Opcode.close, payload.count >= 2 else { return nil }
            return UInt16(payload[0]) << 8 | UInt16(payload[1])
        }

        var text: String { String(decoding: payload, as: UTF8.self) }

        var description: String {
            var flags = fin ? "" : " (not final)"
            if reservedBits != 0 { flags += " rsv=\(reservedBits)" }
            if masked { flags += " masked" }
            switch opcode {
            case Opcode.text: return "text \(text.prefix(200))\(flags)"
            case Opcode.close:
                let reason = payload.count > 2 ? " \"\(String(decoding: payload[2...], as: UTF8.self))\"" : ""
                return "close \(closeCode.map { "\($0)" } ?? "without a code")\(reason)\(flags)"
            case Opcode.ping: return "ping of \(payload.count) bytes\(flags)"
            case Opcode.pong: return "pong of \(payload.count) bytes\(flags)"
            default: return "opcode \(opcode) of \(payload.count) bytes\(flags)"
            }
        }
    }

    /// How the TCP connection ended.
    enum End: Sendable, Equatable, CustomStringConvertible {
        /// The server closed its side (FIN), or the whole connection.
        case closedByServer
        /// The connection failed (typically reset by the server), or the client gave up on it.
        case failed(String)

        var description: String {
            switch self {
            case .closedByServer: "closed by the server"
            case .failed(let reason): "failed: \(reason)"
            }
        }
    }

    /// What a read found before its deadline.
    enum Event: Sendable, Equatable {
        case frame(IncomingFrame)
        /// The connection ended and everything it carried has been read.
        case ended(End)
        case timedOut
    }

    /// The server's answer to the handshake.
    struct HandshakeResponse: Sendable {
        let statusLine: String
        /// Lower-cased names.
        let headers: [String: String]
        var status: Int { Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0 }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    /// A TCP connection to 127.0.0.1:`port`, nothing sent yet.
    static func connect(port: Int) async throws -> RawWebSocket {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            // A server's FIN is an event of its own, not an error: see `End.closedByServer`.
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(InboxHandler(inbox: inbox)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawWebSocket(channel: channel, inbox: inbox)
    }

    /// Connects and upgrades `target` (path and query); throws unless the server switched
    /// protocols with the right `Sec-WebSocket-Accept`.
    static func open(port: Int, target: String) async throws -> RawWebSocket {
        let socket = try await connect(port: port)
        do {
            let key = Data((0..<16).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString()
            let response = try await socket.handshake(target: target, key: key, port: port)
            guard response.status == 101 else { throw Failure(description: "handshake answered \(response.statusLine)") }
            guard response.headers["sec-websocket-accept"] == acceptValue(for: key) else {
                throw Failure(description: "wrong Sec-WebSocket-Accept: \(response.headers["sec-websocket-accept"] ?? "none")")
            }
            return socket
        } catch {
            await socket.close()
            throw error
        }
    }

    /// What RFC 6455 section 4.2.2 says the server must answer to `key`.
    static func acceptValue(for key: String) -> String {
        Data(Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
    }

    /// Sends an upgrade request for `target` and reads the response head (bytes after it stay
    /// in the inbox: they are the first frames).
    func handshake(target: String, key: String, port: Int, within timeout: Duration = defaultWait) async throws -> HandshakeResponse {
        let request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try await send(bytes: Array(request.utf8))
        return try await responseHead(within: timeout)
    }

    /// Reads the head of the next response (bytes after it stay in the inbox).
    func responseHead(within timeout: Duration = defaultWait) async throws -> HandshakeResponse {
        let (head, end) = await take(within: timeout) { bytes -> String? in
            guard let blank = bytes.firstRange(of: [13, 10, 13, 10]) else { return nil }
            let head = String(decoding: bytes[..<blank.lowerBound], as: UTF8.self)
            bytes.removeSubrange(..<blank.upperBound)
            return head
        }
        guard let head else {
            throw Failure(description: end.map { "the connection ended during the handshake (\($0))" } ?? "no handshake response in time")
        }
        let lines = head.components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HandshakeResponse(statusLine: lines.first ?? "", headers: headers)
    }

    func send(_ frames: OutgoingFrame..., within timeout: Duration = defaultWait) async throws {
        try await send(bytes: frames.flatMap(\.encoded), within: timeout)
    }

    /// Writes `bytes` as they are. A write still pending after `timeout` (the server stopped
    /// reading) closes the connection, so that the call always returns.
    func send(bytes: [UInt8], within timeout: Duration = defaultWait) async throws {
        let channel = self.channel
        let expired = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { [inbox] in
            inbox.ended(.failed("a write was still pending after \(timeout), so the client closed the connection"))
            channel.close(promise: nil)
        }
        defer { expired.cancel() }
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// The next frame the server sent, or how the connection ended, or `.timedOut`.
    func nextFrame(within timeout: Duration = defaultWait) async -> Event {
        let (frame, end) = await take(within: timeout, Self.takeFrame)
        if let frame { return .frame(frame) }
        if let end { return .ended(end) }
        return .timedOut
    }

    /// Waits until the connection has ended (what was still unread is dropped); nil if it is
    /// still open at the deadline.
    func waitForEnd(within timeout: Duration = defaultWait) async -> End? {
        let (_, end) = await take(within: timeout) { bytes -> Never? in
            bytes.removeAll()
            return nil
        }
        return end
    }

    /// Closes the TCP connection from this side (no close frame).
    func close() async {
        inbox.ended(.failed("closed by the client"))
        try? await channel.close()
    }

    /// Runs `parse` on the unread bytes whenever more arrive, until it returns a value, the
    /// connection ends (with nothing more to parse) or the deadline passes.
    private func take<T: Sendable>(within timeout: Duration, _ parse: (inout [UInt8]) -> T?) async -> (T?, End?) {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        while true {
            let (value, end, version) = inbox.state.withLock { state in (parse(&state.bytes), state.end, state.version) }
            if let value { return (value, nil) }
            if let end { return (nil, end) }
            if NIODeadline.now() >= deadline { return (nil, nil) }
            let timer = channel.eventLoop.scheduleTask(deadline: deadline) { [inbox] in inbox.wake() }
            await inbox.waitForChange(from: version, before: deadline)
            timer.cancel()
        }
    }

    /// Removes one whole frame from the front of `bytes`, if one is there.
    private static func takeFrame(_ bytes: inout [UInt8]) -> IncomingFrame? {
        guard bytes.count >= 2 else { return nil }
        let masked = bytes[1] & 0x80 != 0
        var offset = 2
        var length = UInt64(bytes[1] & 0x7F)
        let extra = length == 126 ? 2 : length == 127 ? 8 : 0
        if extra > 0 {
            guard bytes.count >= offset + extra else { return nil }
            length = bytes[offset..<offset + extra].reduce(0) { $0 << 8 | UInt64($1) }
            offset += extra
        }
        let keyLength = masked ? 4 : 0
        guard let payloadLength = Int(exactly: length), bytes.count - offset - keyLength >= payloadLength else { return nil }
        let key = Array(bytes[offset..<offset + keyLength])
        offset += keyLength
        var payload = Array(bytes[offset..<offset + payloadLength])
        if masked { for index in payload.indices { payload[index] ^= key[index & 3] } }
        let frame = IncomingFrame(
            fin: bytes[0] & 0x80 != 0, reservedBits: (bytes[0] >> 4) & 0x7, opcode: bytes[0] & 0x0F, masked: masked, payload: payload)
        bytes.removeFirst(offset + payloadLength)
        return frame
    }

    /// The bytes received and not yet read, how the connection ended, and who waits for either.
    private final class Inbox: Sendable {
        struct State {
            var bytes: [UInt8] = []
            var end: End?
            /// Counts changes, so that a waiter never misses one made while it was parsing.
            var version = 0
            var waiters: [CheckedContinuation<Void, Never>] = []

            mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
                defer { waiters.removeAll() }
                return waiters
            }
        }

        let state = Mutex(State())

        func received(_ chunk: ByteBuffer) {
            resume(state.withLock { state in
                state.bytes += chunk.readableBytesView
                state.version += 1
                return state.takeWaiters()
            })
        }

        func ended(_ end: End) {
            resume(state.withLock { state in
                if state.end == nil { state.end = end }
                state.version += 1
                return state.takeWaiters()
            })
        }

        /// Deadline reached: waiters look again (and find that time is up).
        func wake() {
            resume(state.withLock { $0.takeWaiters() })
        }

        func waitForChange(from version: Int, before deadline: NIODeadline) async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waits = state.withLock { state in
                    // Under the lock: a `wake()` at the deadline either finds this waiter or has
                    // already happened, and then the deadline has passed.
                    guard state.version == version, NIODeadline.now() < deadline else { return false }
                    state.waiters.append(continuation)
                    return true
                }
                if !waits { continuation.resume() }
            }
        }

        private func resume(_ waiters: [CheckedContinuation<Void, Never>]) {
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Feeds the inbox from the channel.
    private final class InboxHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        private let inbox: Inbox

        init(inbox: Inbox) {
            self.inbox = inbox
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            inbox.received(unwrapInboundIn(data))
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event { inbox.ended(.closedByServer) }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            inbox.ended(.failed("\(error)"))
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            inbox.ended(.closedByServer)
            context.fireChannelInactive()
        }
    }
}
