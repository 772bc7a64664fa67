import Foundation
import HummingbirdWebSocket
import SwiftChatCore
import Synchronization

/// One socket's `chat_stream` (`v2-api.md` §3). Every event comes from the store, in seq
/// order, after the position the client gave: replay and live are one loop, so nothing is
/// missed or sent twice at the switch. The broker only wakes the loop; a missed wake-up is
/// made good by the next one, or by a resubscribe with `since`.
final class ChatStream: EventSink {
    enum Signal: Sendable {
        case subscribe(since: Int64?)
        case wake
        /// Frames sent as they are, outside the log (typing).
        case relay
    }

    static let name = "chat_stream"
    /// Events read from the store at a time.
    static let batch = 500

    private let signals: AsyncStream<Signal>.Continuation
    let incoming: AsyncStream<Signal>
    /// Set while a wake-up is queued, so that a burst of publications queues one.
    private let wakePending = Atomic<Bool>(false)
    /// Relayed frames waiting to be written, the newest `relayLimit` kept: a slow reader loses
    /// typing indicators, never events or its subscription.
    private let relayed = Mutex<[String]>([])
    static let relayLimit = 32

    init() {
        // Subscribes come from the client's own frames, read one at a time; wake-ups are coalesced.
        (incoming, signals) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(64))
    }

    func offer(_ frame: RenderedEvent) -> Bool {
        guard frame.event.isRelayed else {
            wake()
            return true
        }
        let first = relayed.withLock { frames in
            if frames.count >= Self.relayLimit { frames.removeFirst() }
            frames.append(frame.text)
            return frames.count == 1
        }
        if first { signals.yield(.relay) }
        return true
    }

    private func wake() {
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) { signals.yield(.wake) }
    }

    func subscribe(since: Int64?) { signals.yield(.subscribe(since: since)) }

    /// How often a subscribed stream reads its log without a wake-up: a wake-up lost on the
    /// way (a publication Redis did not take) then delays delivery this long, never forever.
    static let sweepInterval: Duration = .seconds(10)

    /// Wakes the stream every `sweepInterval` until cancelled. Started by the first subscribe,
    /// so a socket that never subscribes (v1 only) keeps no timer.
    private func sweep() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: Self.sweepInterval) } catch { return }
            wake()
        }
    }

    func finish() { signals.finish() }

    /// Serves the stream until the socket closes: waits for a subscribe, then sends what the
    /// log holds after its position and whatever follows.
    func run(user: UserID, events: EventLogService, fanout: LocalFanout, write: @Sendable (String) async throws -> Void) async throws {
        var position: Int64?
        var subscribed = false
        var sweeper: Task<Void, Never>?
        defer {
            sweeper?.cancel()
            if subscribed { fanout.unsubscribe(self, from: .eventLog(user)) }
        }
        for await signal in incoming {
            switch signal {
            case .subscribe(let since):
                if !subscribed {
                    // Listen before reading, so that nothing committed after the read goes unheard.
                    fanout.subscribe(self, to: .eventLog(user))
                    subscribed = true
                    sweeper = Task { await self.sweep() }  // cancelled when run ends
                }
                let epoch = try await events.epoch()
                let start: Int64
                if let since {
                    start = since
                } else {
                    guard case .events(let head) = try await events.read(of: user, since: Int64.max - 1, limit: 1) else { continue }
                    start = head.latestSeq
                }
                switch try await events.read(of: user, since: start, limit: Self.batch) {
                case .resyncRequired(let oldest):
                    position = nil
                    try await write(Self.resyncFrame(oldest))
                case .events(let slice):
                    try await write(Self.frame(.object([
                        ("type", .string("subscribed")), ("epoch", .string(epoch)), ("latest_seq", .int(slice.latestSeq)),
                    ])))
                    position = try await send(slice, after: start, user: user, events: events, write: write)
                }
            case .relay:
                for text in relayed.withLock({ frames in defer { frames.removeAll() }; return frames }) { try await write(text) }
            case .wake:
                wakePending.store(false, ordering: .releasing)
                guard let after = position else { continue }
                switch try await events.read(of: user, since: after, limit: Self.batch) {
                case .resyncRequired(let oldest):
                    // Pruned while this socket was behind: said once, then quiet until a new subscribe.
                    position = nil
                    try await write(Self.resyncFrame(oldest))
                case .events(let slice):
                    position = try await send(slice, after: after, user: user, events: events, write: write)
                }
            }
        }
    }

    /// Writes the slice's events, then reads on while full batches come; returns the last seq sent.
    private func send(
        _ first: EventSlice, after start: Int64, user: UserID, events: EventLogService, write: @Sendable (String) async throws -> Void
    ) async throws -> Int64 {
        var slice = first
        var position = start
        while true {
            for event in slice.events where event.seq > position {
                try await write(Self.eventFrame(event))
                position = event.seq
            }
            guard slice.events.count == Self.batch, case .events(let next) = try await events.read(of: user, since: position, limit: Self.batch)
            else { return position }
            slice = next
        }
    }

    static func frame(_ payload: JSONValue) -> String {
        JSONValue.object([("stream", .string(name)), ("payload", payload)]).serialized
    }

    /// `{"type": "typing", "conversation", "users", "user", "expires_in_seconds"}`: each of `users`
    /// is shown as typing until then unless repeated; `user` is the first of them, for clients
    /// that show one typist.
    static func typingFrame(conversation: ConversationID, users: [UserID]) -> String {
        frame(.object([
            ("type", .string("typing")), ("conversation", .id(conversation)), ("users", .array(users.map { .id($0) })),
            ("user", users.first.map { .id($0) } ?? .null),
            ("expires_in_seconds", .int(ConversationService.typingLifetime.components.seconds)),
        ]))
    }

    /// `{"type": "presence.changed", "user", "online", "last_seen"}`.
    static func presenceFrame(user: UserID, online: Bool, lastSeen: Date?) -> String {
        frame(.object([
            ("type", .string("presence.changed")), ("user", .id(user)), ("online", .bool(online)),
            ("last_seen", lastSeen.map { .string(ISOTimestamp.string($0)) } ?? .null),
        ]))
    }

    static func resyncFrame(_ oldestSeq: Int64) -> String {
        frame(.object([("type", .string("resync_required")), ("oldest_seq", .int(oldestSeq))]))
    }

    static func eventFrame(_ event: LoggedEvent) -> String {
        "{\"stream\":\"chat_stream\",\"payload\":{\"type\":\"event\",\"event\":" + event.json + "}}"
    }
}

struct ChatStreamError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
