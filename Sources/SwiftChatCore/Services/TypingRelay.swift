import Synchronization

/// Gathers "… is typing" announcements per conversation and relays them in batches. Relaying
/// each announcement to each member made a room of 50 typists cost 50 frames per member every
/// few seconds, enough at 10,000 sockets to starve message delivery. Instead each conversation
/// gets at most one relay per `minimumGap`, naming everyone who typed lately, and while they
/// keep typing one relay per `refreshInterval` that keeps them shown. A frame means "these
/// people are typing for the next `ConversationService.typingLifetime`", so the relays of
/// several processes add up at the client without any coordination between them.
public final class TypingRelay: Sendable {
    /// How soon after a relay a newcomer in the same conversation is relayed.
    public static let minimumGap: Duration = .seconds(1)
    /// How often typists still typing are relayed again; well inside `typingLifetime`.
    public static let refreshInterval: Duration = .seconds(3)
    /// A typist counts as still typing this long after their last announcement: clients repeat
    /// theirs every 3 s while the user types.
    public static let stillTyping: Duration = .milliseconds(3500)
    /// How often the relay looks for due conversations while anyone types (not at all otherwise).
    static let tick: Duration = .milliseconds(100)
    /// At most this many typists named in one relay; clients show "N people are typing" long before.
    public static let maxListed = 100

    private struct Room {
        /// Each typist's last announcement.
        var typists: [UserID: ContinuousClock.Instant] = [:]
        /// Who the last relay named.
        var relayed: Set<UserID> = []
        var lastRelay: ContinuousClock.Instant?
        /// When this room is relayed next.
        var due: ContinuousClock.Instant
    }

    private struct State {
        var rooms: [ConversationID: Room] = [:]
        var looping = false
    }

    /// A relay that is due: whom to name, in a conversation whose members are read at relay time.
    struct DueRelay: Hashable {
        let conversation: ConversationID
        let typists: [UserID]
    }

    private let state = Mutex(State())
    private let store: any ChatStore
    private let broker: any Broker

    init(store: any ChatStore, broker: any Broker) {
        self.store = store
        self.broker = broker
    }

    /// Notes that `user`, already checked to be a member, is typing in `conversation`.
    func announce(_ user: UserID, in conversation: ConversationID) {
        guard note(user, in: conversation, at: .now) else { return }
        Task { await self.loop() }
    }

    /// Records the announcement; true when the relay loop must be started.
    func note(_ user: UserID, in conversation: ConversationID, at now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            var room = state.rooms[conversation] ?? Room(due: now)
            room.typists[user] = now
            if !room.relayed.contains(user) {
                // A newcomer is relayed as soon as the gap since the last relay allows.
                room.due = min(room.due, max(now, (room.lastRelay ?? now) + Self.minimumGap))
            }
            state.rooms[conversation] = room
            guard !state.looping else { return false }
            state.looping = true
            return true
        }
    }

    /// Takes the relays due at `now`, forgetting typists who stopped and rooms where nobody types.
    func takeDue(at now: ContinuousClock.Instant) -> [DueRelay] {
        state.withLock { state in
            var due: [DueRelay] = []
            for (conversation, var room) in state.rooms where room.due <= now {
                room.typists = room.typists.filter { now - $0.value < Self.stillTyping }
                guard !room.typists.isEmpty else {
                    state.rooms[conversation] = nil
                    continue
                }
                let named = room.typists.keys.sorted().prefix(Self.maxListed)
                room.relayed = Set(named)
                room.lastRelay = now
                room.due = now + Self.refreshInterval
                state.rooms[conversation] = room
                due.append(DueRelay(conversation: conversation, typists: Array(named)))
            }
            return due
        }
    }

    /// True when nobody types any more, in which case the loop ends (and the next announcement
    /// starts another).
    private func stopIfIdle() -> Bool {
        state.withLock { state in
            guard state.rooms.isEmpty else { return false }
            state.looping = false
            return true
        }
    }

    private func loop() async {
        while !stopIfIdle() {
            for relay in takeDue(at: .now) { await send(relay) }
            try? await Task.sleep(for: Self.tick)
        }
    }

    /// Relays to the members as they are now: a typist who has left is not named, and someone
    /// who has left hears nothing. A lone typist is not told about themselves.
    func send(_ relay: DueRelay) async {
        guard let members = try? await store.memberIDs(of: relay.conversation) else { return }
        let memberSet = Set(members)
        let typists = relay.typists.filter(memberSet.contains)
        guard !typists.isEmpty else { return }
        let recipients = typists.count == 1 ? members.filter { $0 != typists[0] } : members
        guard !recipients.isEmpty else { return }
        await broker.publish(Publication(event: .typing(conversation: relay.conversation, users: typists), topics: recipients.map(Topic.eventLog)))
    }
}
