import Foundation

/// Conversations, their members and messages. Every write appends its events (`EventDrafts`)
/// to the members' logs in the same transaction, so an event exists if and only if its change
/// committed.
public protocol ConversationStore: Sendable {
    /// The user's conversations, latest activity first, starting after `cursor`.
    func conversations(of user: UserID, after cursor: ConversationCursor?, limit: Int) async throws -> ConversationPage
    func conversation(id: ConversationID) async throws -> Conversation?
    func role(of user: UserID, in conversation: ConversationID) async throws -> MemberRole?
    /// Everyone who shares a conversation with `user`, `user` left out.
    func coMembers(of user: UserID) async throws -> [UserID]
    /// Who is in the conversation now, in id order (empty when it is gone).
    func memberIDs(of conversation: ConversationID) async throws -> [UserID]
    /// Throws `StoreError.missingReference` when a member does not exist.
    func createGroup(title: String, by creator: UserID, members: [UserID], at date: Date) async throws -> Conversation
    func renameGroup(_ id: ConversationID, title: String, at date: Date) async throws -> Conversation?
    /// False when there was no such group.
    func deleteGroup(_ id: ConversationID, at date: Date) async throws -> Bool
    /// Throws `StoreError.conflict` for a member already there, `.missingReference` for an
    /// unknown user, `.limitReached` when the group holds `maxMembers`; nil when the group is gone.
    func addMember(_ user: UserID, to id: ConversationID, role: MemberRole, maxMembers: Int, at date: Date) async throws -> ConversationMember?
    /// Nil when the user is not a member.
    func changeRole(of user: UserID, in id: ConversationID, to role: MemberRole, at date: Date) async throws -> ConversationMember?
    /// An owner who leaves hands the group to the longest-standing admin, else member; the
    /// group goes with its last member.
    func removeMember(_ user: UserID, from id: ConversationID, at date: Date) async throws -> RemovalOutcome
    func messages(in id: ConversationID, window: MessageWindow, limit: Int) async throws -> MessagePage
    /// Replaces the text of a message of the conversation that is not deleted, and logs
    /// `message.updated` for every member; nil when there is no such message.
    func editMessage(_ id: ChatMessageID, in conversation: ConversationID, text: String, at date: Date) async throws -> ChatMessage?
    /// Deletes a message for good: its text and attachments go (their blobs queued), the row
    /// stays as a tombstone so that history keeps its place, and every member gets
    /// `message.deleted`. Nil when there is no such message; an already deleted one answers as it
    /// is, logging nothing.
    func deleteMessage(_ id: ChatMessageID, in conversation: ConversationID, at date: Date) async throws -> ChatMessage?
    /// Moves `user`'s read marker forward to `message`, never back; when it moves, every member
    /// gets `receipt.updated` in the same transaction.
    func markRead(_ user: UserID, in id: ConversationID, upTo message: ChatMessageID, at date: Date) async throws -> ReadOutcome
    /// For each of `ids` that `user` is a member of: the messages after their read marker that
    /// others sent.
    func unreadCounts(of user: UserID, in ids: [ConversationID]) async throws -> [ConversationID: Int]
    /// A `clientID` the sender already used in the conversation answers that message and
    /// stores nothing. Throws `StoreError.missingReference` when the conversation is gone, and
    /// `.attachmentUnavailable` when an attachment is not the sender's own unused one.
    func postMessage(
        in id: ConversationID, by sender: UserID, text: String, clientID: String?, attachments: [AttachmentID], at date: Date
    ) async throws -> PostOutcome
}

/// Each user's ordered event log.
public protocol EventLogStore: Sendable {
    /// A random id made with the database: a client seeing another one starts over.
    func epoch() async throws -> String
    /// Events of `user` with seq > `seq`, ascending, at most `limit`.
    func events(of user: UserID, after seq: Int64, limit: Int) async throws -> EventSlice
    /// Deletes events older than `date` that are not among their user's last `keepingLast`,
    /// at most `batch` of them; returns how many went.
    func pruneEvents(before date: Date, keepingLast: Int, batch: Int) async throws -> Int
}

extension ConversationStore {
    /// A post without attachments.
    public func postMessage(in id: ConversationID, by sender: UserID, text: String, clientID: String?, at date: Date) async throws -> PostOutcome {
        try await postMessage(in: id, by: sender, text: text, clientID: clientID, attachments: [], at: date)
    }
}
