import Foundation
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import SwiftChatCore
import Synchronization

/// One connected socket's queue of outgoing frames. Publishers only `offer` (never wait); the
/// socket's own task writes them out. A full queue closes the socket with 1013, so one slow
/// client can never hold up a publish or another socket.
final class NotificationSocket: EventSink {
    private let frames: AsyncStream<String>.Continuation
    private let overflow: AsyncStream<Void>.Continuation
    private let overflowed = Atomic<Bool>(false)
    private let closedAccount: AsyncStream<Void>.Continuation
    /// Milliseconds since 1970 (whole seconds made a socket look up to 1 s idler than it was).
    private let lastActivity = Atomic<Int64>(NotificationSocket.nowMilliseconds())

    init(frames: AsyncStream<String>.Continuation, overflow: AsyncStream<Void>.Continuation, closedAccount: AsyncStream<Void>.Continuation) {
        self.frames = frames
        self.overflow = overflow
        self.closedAccount = closedAccount
    }

    func offer(_ frame: RenderedEvent) -> Bool {
        if frame.event == .accountClosed {
            closedAccount.yield()
            return true
        }
        return enqueue(frame.text)
    }

    @discardableResult
    func enqueue(_ text: String) -> Bool {
        switch frames.yield(text) {
        case .enqueued: return true
        case .terminated: return true  // the socket is closing: nothing is owed to it any more
        case .dropped:
            if !overflowed.exchange(true, ordering: .relaxed) { overflow.yield() }
            return false
        @unknown default: return false
        }
    }

    var didOverflow: Bool { overflowed.load(ordering: .relaxed) }

    func touch() { lastActivity.store(Self.nowMilliseconds(), ordering: .relaxed) }

    func secondsSinceActivity() -> TimeInterval {
        Double(Self.nowMilliseconds() - lastActivity.load(ordering: .relaxed)) / 1000
    }

    private static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// The multiplexed notification socket (`{"stream", "payload"}` frames).
struct NotificationSocketHandler: Sendable {
    static let notificationStream = "notification_stream"

    let gate: WebSocketGate
    let fanout: LocalFanout
    let queueLimit: Int
    let maxMessageSize: Int
    let idleTimeout: TimeInterval
    /// 0: no limit.
    let maxSocketsPerUser: Int
    let counters: SocketCounters
    let events: EventLogService
    let conversations: ConversationService
    let presence: PresenceService

    /// The original's frame for an event: `{"stream": "notification_stream", "payload": {"message": ...}}`.
    static func render(_ event: ChatEvent) -> String {
        switch event {
        case .typing(let conversation, let users): return ChatStream.typingFrame(conversation: conversation, users: users)
        case .presenceChanged(let user, let online, let lastSeen): return ChatStream.presenceFrame(user: user, online: online, lastSeen: lastSeen)
        case .interestChanged, .chatMessagePosted, .eventLogAppended, .accountClosed: break
        }
        // Wake-ups go to chat_stream subscriptions, which read the store instead of a text.
        guard let text = event.notificationText else { return "" }
        return JSONValue.object([
            ("stream", .string(notificationStream)),
            ("payload", .object([("message", .string(text))])),
        ]).serialized(.python)
    }

    static func errorFrame(_ message: String) -> String {
        JSONValue.object([("stream", .string("error")), ("payload", .object([("message", .string(message))]))]).serialized(.python)
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, context: WebSocketRouterContext<AppRequestContext>) async throws {
        guard let userID = gate.admittedUser(on: context.requestContext.connection)?.id else {
            try await outbound.close(.policyViolation, reason: "not authenticated")
            return
        }
        guard counters.opened(by: userID, limit: maxSocketsPerUser) else {
            context.logger.notice("socket refused: the user has too many open", metadata: ["user": "\(userID)"])
            try await outbound.close(.policyViolation, reason: "Too many open sockets for this user")
            return
        }
        defer { counters.closed(by: userID) }
        if counters.openCount(of: userID) == 1 {
            // Online now, not at the next heartbeat; the socket does not wait for it.
            Task { [presence] in await presence.connected(userID) }
        }
        let (frames, frameQueue) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(queueLimit))
        let (overflows, overflowSignal) = AsyncStream.makeStream(of: Void.self)
        let (closures, closureSignal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let socket = NotificationSocket(frames: frameQueue, overflow: overflowSignal, closedAccount: closureSignal)
        let topic = Topic.user(userID)
        fanout.subscribe(socket, to: topic)
        defer {
            fanout.unsubscribe(socket, from: topic)
            frameQueue.finish()
            overflowSignal.finish()
            closureSignal.finish()
        }

        let chatStream = ChatStream()
        defer { chatStream.finish() }

        let closing: (WebSocketErrorCode, String)? = try await withThrowingTaskGroup(of: (WebSocketErrorCode, String)?.self) { group in
            group.addTask {
                for await text in frames { try await outbound.write(.text(text)) }
                return nil
            }
            group.addTask { [events, fanout] in
                // Written directly, not queued: a replay waits for the client instead of overflowing.
                do {
                    try await chatStream.run(user: userID, events: events, fanout: fanout) { try await outbound.write(.text($0)) }
                    return nil
                } catch StoreError.unavailable {
                    // The client resumes with `since` once the database is back.
                    return (WebSocketErrorCode.unknown(1013), "Try again later: the event log is unavailable")
                }
            }
            group.addTask {
                for await _ in overflows { return (WebSocketErrorCode.unknown(1013), "Try again later: notifications queued faster than read") }
                return nil
            }
            group.addTask {
                // The account was deactivated or deleted (its tokens are refused from now on too).
                for await _ in closures { return (WebSocketErrorCode.policyViolation, "Account deactivated") }
                return nil
            }
            group.addTask {
                try await readClientFrames(inbound, socket: socket, chatStream: chatStream, user: userID)
                return nil
            }
            if idleTimeout > 0 {
                group.addTask {
                    try await idleWatchdog(socket)
                    return (WebSocketErrorCode.goingAway, "Idle timeout")
                }
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let (code, reason) = closing {
            if socket.didOverflow { counters.overflowClosed() }
            context.logger.warning("closing notification socket", metadata: ["user": "\(userID)", "reason": "\(reason)"])
            // A client that stopped reading may never take the close frame: give up after a
            // moment and let the connection be torn down when the handler returns.
            try? await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbound.close(code, reason: reason) }
                group.addTask { try await Task.sleep(for: .seconds(2)) }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Client frames on `notification_stream` are accepted and ignored, as in the original;
    /// `chat_stream` frames subscribe or mark messages read; anything malformed gets an error
    /// frame and the socket stays open (D8). Frames are handled one at a time, so a client
    /// sending faster than the store writes waits for it.
    private func readClientFrames(
        _ inbound: WebSocketInboundStream, socket: NotificationSocket, chatStream: ChatStream, user: UserID
    ) async throws {
        var iterator = inbound.makeAsyncIterator()
        var typingLimiter = TypingLimiter()
        var typingMemberships = TypingMemberships()
        while let message = try await iterator.nextMessage(maxSize: maxMessageSize) {
            socket.touch()
            switch Self.classify(message) {
            case .notification: break
            case .invalid(let problem): socket.enqueue(Self.errorFrame(problem))
            case .chatStream(let payload):
                switch ChatStreamAction.parse(payload) {
                case .success(.subscribe(let since)): chatStream.subscribe(since: since)
                case .success(.read(let conversation, let message)):
                    if let problem = await refusal(of: { _ = try await conversations.markRead(message, in: conversation, by: user) }) {
                        socket.enqueue(Self.errorFrame(problem))
                    }
                case .success(.typing(let conversation)):
                    guard typingLimiter.allows(conversation) else { break }
                    let known = typingMemberships.isKnown(conversation)
                    if let problem = await refusal(of: { try await conversations.typing(in: conversation, by: user, knownMember: known) }) {
                        socket.enqueue(Self.errorFrame(problem))
                    } else if !known {
                        typingMemberships.confirm(conversation)
                    }
                case .failure(let error): socket.enqueue(Self.errorFrame(error.message))
                }
            }
        }
    }

    /// Nil once a client's action is done (what it changed reaches the others by itself);
    /// otherwise the error frame's text.
    private func refusal(of action: () async throws -> Void) async -> String? {
        do {
            try await action()
            return nil
        } catch APIError.notFound {
            return "No such conversation, or you are not a member."
        } catch APIError.fields(let problems) {
            return problems.values.first?.first ?? "Refused."
        } catch {
            return "Not done: the database is unavailable; try again."
        }
    }

    /// Returns once the client has sent nothing for `idleTimeout`. It sleeps until the deadline the
    /// last activity set, not in fixed steps: a one-second step woke every socket every second,
    /// 10,000 wake-ups a second at 10,000 sockets, for nothing.
    private func idleWatchdog(_ socket: NotificationSocket) async throws {
        while true {
            let remaining = idleTimeout - socket.secondsSinceActivity()
            if remaining <= 0 { return }
            try await Task.sleep(for: .seconds(remaining))
        }
    }

    enum ClientFrame {
        case notification
        case chatStream(JSONValue)
        case invalid(String)
    }

    static func classify(_ message: WebSocketMessage) -> ClientFrame {
        guard case .text(let text) = message else { return .invalid("Binary frames are not supported; send JSON text frames.") }
        guard let value = try? JSONValueReader.value(in: Array(text.utf8)) else { return .invalid("Frames must be JSON text.") }
        guard case .object = value else { return .invalid("Frames must be JSON objects with \"stream\" and \"payload\".") }
        guard case .string(let stream)? = value["stream"], let payload = value["payload"] else {
            return .invalid("Frames must have a \"stream\" and a \"payload\".")
        }
        switch stream {
        case notificationStream: return .notification
        case ChatStream.name: return .chatStream(payload)
        default: return .invalid("Unknown stream \"\(stream)\".")
        }
    }
}

/// Open sockets (in all and per user), and sockets closed for falling behind.
final class SocketCounters: Sendable {
    private struct State {
        var open = 0
        var overflowClosed = 0
        var perUser: [UserID: Int] = [:]
    }
    private let state = Mutex(State())

    /// Counts a new socket of `user`, unless that user already has `limit` open (0: no limit).
    func opened(by user: UserID, limit: Int) -> Bool {
        state.withLock { state in
            let current = state.perUser[user, default: 0]
            if limit > 0 && current >= limit { return false }
            state.perUser[user] = current + 1
            state.open += 1
            return true
        }
    }

    func closed(by user: UserID) {
        state.withLock { state in
            state.open -= 1
            let remaining = state.perUser[user, default: 1] - 1
            state.perUser[user] = remaining > 0 ? remaining : nil
        }
    }

    func openCount(of user: UserID) -> Int { state.withLock { $0.perUser[user, default: 0] } }

    /// Every user with a socket open in this process (presence's heartbeat).
    func users() -> [UserID] { state.withLock { Array($0.perUser.keys) } }

    func overflowClosed() { state.withLock { $0.overflowClosed += 1 } }
    var open: Int { state.withLock { $0.open } }
    var closedForOverflow: Int { state.withLock { $0.overflowClosed } }
}
