import Synchronization

/// What one socket has seen of its user's `chat_stream`: its position in the log, the bench
/// posts it received, and anything repeated or skipped. It outlives the connection, so that a
/// socket that reconnects resubscribes from its last seq and is checked against everything it
/// saw before the drop.
final class ChatStreamLog: Sendable {
    private struct State {
        /// The last seq received; set by the first `subscribed` frame (a subscribe from now on).
        var position: Int64?
        var subscriptions = 0
        /// The `latest_seq` of the last `subscribed` frame.
        var target: Int64?
        var resumeStartedAt: UInt64?
        var caughtUpAt: UInt64?
        var replayed = 0
        var duplicates = 0
        var skipped = 0
        var resyncs = 0
        var posts = Set<Int>()
    }

    private let state = Mutex(State())

    /// A bench post's `client_id`: its number and the monotonic time it was sent, so that each
    /// member's socket can tell the post-to-delivery latency without a shared table.
    static func clientID(post: Int, sentAt nanos: UInt64) -> String { "\(post).\(nanos)" }

    private static func post(from clientID: String?) -> (post: Int, sentAt: UInt64)? {
        guard let parts = clientID?.split(separator: "."), parts.count == 2, let post = Int(parts[0]), let sent = UInt64(parts[1])
        else { return nil }
        return (post, sent)
    }

    /// The subscribe to send on (re)connecting: after the last seq seen, or from now on at first.
    var subscribeFrame: String {
        let since = state.withLock { $0.position }.map { ",\"since\":\($0)" } ?? ""
        return #"{"stream":"chat_stream","payload":{"type":"subscribe"\#(since)}}"#
    }

    /// Notes that the socket reconnects from `nanos` on: it has caught up once it holds every
    /// event up to the `latest_seq` that its next `subscribed` frame names.
    func resume(startedAt nanos: UInt64) {
        state.withLock { state in
            state.resumeStartedAt = nanos
            state.caughtUpAt = nil
            state.target = nil
            state.replayed = 0
        }
    }

    /// Takes one frame that arrived at `nanos`; returns the send time of the bench post it
    /// carries the first time that post arrives here.
    func receive(_ frame: ChatStreamFrame, at nanos: UInt64) -> UInt64? {
        state.withLock { state in
            defer { Self.noteCatchUp(&state, at: nanos) }
            switch frame {
            case .other, .relayed:
                return nil
            case .resyncRequired:
                state.resyncs += 1
                return nil
            case .subscribed(let latest):
                state.subscriptions += 1
                if state.position == nil { state.position = latest }
                state.target = latest
                return nil
            case .event(let seq, let clientID):
                let position = state.position ?? seq - 1
                guard seq > position else {
                    state.duplicates += 1
                    return nil
                }
                state.skipped += Int(seq - position - 1)
                state.position = seq
                if state.resumeStartedAt != nil, state.caughtUpAt == nil, let target = state.target, seq <= target { state.replayed += 1 }
                guard let (post, sent) = Self.post(from: clientID) else { return nil }
                // A post stored twice would come back under a new seq with the same client_id.
                guard state.posts.insert(post).inserted else {
                    state.duplicates += 1
                    return nil
                }
                return sent
            }
        }
    }

    private static func noteCatchUp(_ state: inout State, at nanos: UInt64) {
        guard state.resumeStartedAt != nil, state.caughtUpAt == nil, let target = state.target, let position = state.position,
              position >= target
        else { return }
        state.caughtUpAt = nanos
    }

    var subscriptions: Int { state.withLock { $0.subscriptions } }
    /// Nanoseconds from the start of the resume to holding everything up to its `latest_seq`.
    var caughtUpAfter: UInt64? {
        state.withLock { state in
            guard let start = state.resumeStartedAt, let end = state.caughtUpAt else { return nil }
            return end > start ? end - start : 0
        }
    }
    /// Events received in the last resume's replay (after `since`, up to its `latest_seq`).
    var replayed: Int { state.withLock { $0.replayed } }
    var duplicates: Int { state.withLock { $0.duplicates } }
    /// Seqs jumped over: events the log has that this socket never received.
    var skipped: Int { state.withLock { $0.skipped } }
    var resyncs: Int { state.withLock { $0.resyncs } }

    /// How many of `expected` (post numbers) this socket never received.
    func missing(of expected: Set<Int>) -> Int {
        state.withLock { state in expected.reduce(0) { $0 + (state.posts.contains($1) ? 0 : 1) } }
    }
}
