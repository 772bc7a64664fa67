import Foundation

/// What the admin site keeps beyond the chat's own tables: its sessions (in the database, so
/// that any web process serves any signed-in staff user) and the audit log of its changes.
public protocol AdminStore: Sendable {
    func createAdminSession(_ session: AdminSession) async throws
    /// The session, unless it expired at or before `now` or its user is gone.
    func adminSession(tokenHash: String, now: Date) async throws -> AdminSession?
    func deleteAdminSession(tokenHash: String) async throws
    /// Every session of `user` (a deactivated or demoted staff user is signed out everywhere).
    func deleteAdminSessions(of user: UserID) async throws
    /// Removes sessions that expired before `date`.
    func purgeAdminSessions(before date: Date) async throws -> Int
    /// Stores `entry` with an id of the store's.
    func appendAudit(_ entry: AuditEntry) async throws
    /// The newest entries first, older than `before` when given.
    func auditEntries(before id: Int64?, limit: Int) async throws -> [AuditEntry]
    /// Replaces the user's password hash.
    func setPasswordHash(of user: UserID, _ hash: String) async throws
    /// Messages `user` sent, deleted ones included (what deleting the user takes with it).
    func messageCount(by user: UserID) async throws -> Int
    /// Interests the user sent or received.
    func interestCount(involving user: UserID) async throws -> Int
    /// Groups the user is a member of.
    func groupCount(of user: UserID) async throws -> Int
    /// Messages of one conversation, tombstones included.
    func messageCount(in conversation: ConversationID) async throws -> Int
    /// Messages of an interest's direct conversation.
    func messageCount(ofInterest interest: InterestID) async throws -> Int
    /// Messages posted at or after `date` (the dashboard's "today").
    func messageCount(since date: Date) async throws -> Int
    /// Bytes of every stored attachment (thumbnails not counted).
    func attachmentBytesStored() async throws -> Int64
    /// Interests newest first, older than `before`, involving `user` and accepted or not when given.
    func interests(before: InterestID?, involving user: UserID?, accepted: Bool?, limit: Int) async throws -> [Interest]
    /// The direct conversation of an interest.
    func conversationID(ofInterest interest: InterestID) async throws -> ConversationID?
    /// Conversation ids, newest first, older than `before` when given; groups only if asked.
    func conversationIDs(before: ConversationID?, groupsOnly: Bool, limit: Int) async throws -> [ConversationID]
    /// Messages newest first (tombstones included), older than `before`, in one conversation
    /// and from one sender when given.
    func messages(before: ChatMessageID?, in conversation: ConversationID?, from sender: UserID?, limit: Int) async throws -> [ChatMessage]
}
