import Foundation
import ServiceLifecycle

/// Errors a store reports that the rules above it turn into answers.
public enum StoreError: Error, Equatable {
    /// A unique constraint was hit (a phone number taken, an interest pair already present).
    case conflict
    /// A row the write depends on is gone (a user deleted between check and write).
    case missingReference
    /// The database did not answer in time (a server store that lost its server).
    case unavailable
    /// A bound was reached (a group at its member limit, an uploader's quota).
    case limitReached
    /// An attachment named by a post is not the sender's, is already carried by a message, or is gone.
    case attachmentUnavailable
}

public protocol UserStore: Sendable {
    func user(id: UserID) async throws -> User?
    func user(phoneNumber: String) async throws -> User?
    /// Every user except `excluded`, in id order.
    func users(excluding excluded: UserID) async throws -> [User]
    /// Throws `StoreError.conflict` when the phone number is taken.
    func createUser(_ user: NewUser, at date: Date) async throws -> User
    func updateProfile(of id: UserID, _ changes: ProfileChanges) async throws -> User?
    /// Deletes the user and, by cascade, their interests and messages. Returns the interests
    /// that went with it so their other parties can be told.
    func deleteUser(id: UserID) async throws -> [Interest]?
    func userCount() async throws -> Int
}

public protocol OTPStore: Sendable {
    func pendingOTP(phoneNumber: String, purpose: OTPPurpose) async throws -> PendingOTP?
    /// Inserts or replaces the code for (phone, purpose).
    func saveOTP(_ otp: PendingOTP) async throws
    func deleteOTP(phoneNumber: String, purpose: OTPPurpose) async throws
    /// Checks `codeHash` against the pending code atomically: a match deletes the row (single
    /// use); a miss counts an attempt, and the row is deleted once `maxAttempts` misses are reached.
    func consumeOTP(
        phoneNumber: String, purpose: OTPPurpose, codeHash: String, now: Date, maxAttempts: Int
    ) async throws -> OTPCheck
    /// Removes codes that expired before `date`.
    func purgeExpiredOTPs(before date: Date) async throws -> Int
}

public enum OTPCheck: Sendable, Equatable {
    case accepted
    case wrongCode
    case missingOrExpired
}

public protocol InterestStore: Sendable {
    func interest(id: InterestID) async throws -> Interest?
    /// The interest between two users in either direction.
    func interest(between a: UserID, and b: UserID) async throws -> Interest?
    /// Interests where `user` is a party, each with the other party.
    func interests(of user: UserID, filter: InterestFilter) async throws -> [InterestView]
    /// For the user list: interests between `user` and anyone.
    func interests(involving user: UserID) async throws -> [Interest]
    /// Throws `StoreError.conflict` if the pair exists in either direction.
    func createInterest(from sender: UserID, to recipient: UserID, at date: Date) async throws -> Interest
    func acceptInterest(id: InterestID, at date: Date) async throws -> Interest?
    /// Deletes the interest and its messages; nil when it did not exist.
    func deleteInterest(id: InterestID, at date: Date) async throws -> Interest?
}

extension InterestStore {
    /// The change's events stamped now (the services pass their own clock).
    public func acceptInterest(id: InterestID) async throws -> Interest? { try await acceptInterest(id: id, at: Date()) }
    public func deleteInterest(id: InterestID) async throws -> Interest? { try await deleteInterest(id: id, at: Date()) }
}

public protocol ChatMessageStore: Sendable {
    func messages(in interest: InterestID, ordering: ListOrdering) async throws -> [ChatMessage]
    func message(id: ChatMessageID) async throws -> ChatMessage?
    func createMessage(in interest: InterestID, by user: UserID, text: String, at date: Date) async throws -> ChatMessage
}

/// Whole tables in id order, ids kept: how `swiftchat move-data` copies an install from one
/// database to another.
public protocol StoreTransfer: Sendable {
    /// Rows per table, to compare a copy with its source.
    func tableCounts() async throws -> TableCounts
    func users(after id: UserID, limit: Int) async throws -> [User]
    func interests(after id: InterestID, limit: Int) async throws -> [Interest]
    func messages(after id: ChatMessageID, limit: Int) async throws -> [ChatMessage]
    func allPendingOTPs() async throws -> [PendingOTP]
    /// Inserts rows with their ids as given (the target must not hold them yet).
    func importUsers(_ users: [User]) async throws
    func importInterests(_ interests: [Interest]) async throws
    func importMessages(_ messages: [ChatMessage]) async throws
    func importPendingOTPs(_ otps: [PendingOTP]) async throws
    /// Rows of `table` after `key` (its key columns' values) in key order.
    func rows(of table: TransferTable, after key: [TransferValue]?, limit: Int) async throws -> [[TransferValue]]
    func importRows(_ rows: [[TransferValue]], into table: TransferTable) async throws
    /// Takes the source's epoch, so that clients' event positions stay valid in the copy.
    func adoptEpoch(_ epoch: String) async throws
    /// The largest id each table ever handed out, deleted rows included.
    func idWatermarks() async throws -> IDWatermarks
    /// Moves id generators past `watermarks` and the imported ids, so that no id is handed out
    /// twice: a token of a deleted user must never name a new one.
    func finishImport(watermarks: IDWatermarks) async throws
}

public struct IDWatermarks: Sendable, Equatable {
    public var users: UserID
    public var interests: InterestID
    public var messages: ChatMessageID
    public var conversations: ConversationID
    public var eventPayloads: Int64
    public var attachments: AttachmentID
    public var auditEntries: Int64

    public init(
        users: UserID, interests: InterestID, messages: ChatMessageID, conversations: ConversationID = 0, eventPayloads: Int64 = 0,
        attachments: AttachmentID = 0, auditEntries: Int64 = 0
    ) {
        self.users = users
        self.interests = interests
        self.messages = messages
        self.conversations = conversations
        self.eventPayloads = eventPayloads
        self.attachments = attachments
        self.auditEntries = auditEntries
    }

    /// Per table with an id generator.
    public var byTable: [(table: String, mark: Int64)] {
        [("users", users.rawValue), ("interests", interests.rawValue), ("chat_messages", messages.rawValue),
         ("conversations", conversations.rawValue), ("event_payloads", eventPayloads), ("attachments", attachments.rawValue),
         ("admin_audit", auditEntries)]
    }

    public init(byTable marks: [String: Int64]) {
        self.init(
            users: UserID(rawValue: marks["users"] ?? 0), interests: InterestID(rawValue: marks["interests"] ?? 0),
            messages: ChatMessageID(rawValue: marks["chat_messages"] ?? 0), conversations: ConversationID(rawValue: marks["conversations"] ?? 0),
            eventPayloads: marks["event_payloads"] ?? 0, attachments: AttachmentID(rawValue: marks["attachments"] ?? 0),
            auditEntries: marks["admin_audit"] ?? 0)
    }

    /// No generator of `self` would hand out an id `other` already used.
    public func covers(_ other: IDWatermarks) -> Bool {
        zip(byTable, other.byTable).allSatisfy { $0.mark >= $1.mark }
    }
}

public struct TableCounts: Sendable, Equatable, CustomStringConvertible {
    public var users: Int
    public var pendingOTPs: Int
    public var interests: Int
    public var messages: Int
    /// Rows of each `TransferTable`, by table name.
    public var others: [String: Int]

    public init(users: Int, pendingOTPs: Int, interests: Int, messages: Int, others: [String: Int] = [:]) {
        self.users = users
        self.pendingOTPs = pendingOTPs
        self.interests = interests
        self.messages = messages
        self.others = others
    }

    public var isEmpty: Bool { users == 0 && pendingOTPs == 0 && interests == 0 && messages == 0 && others.values.allSatisfy { $0 == 0 } }

    public var description: String {
        let rest = TransferTable.all.map { "\(others[$0.name] ?? 0) rows of \($0.name)" }
        return (["\(users) users", "\(interests) interests", "\(messages) chat messages", "\(pendingOTPs) pending OTP codes"] + rest)
            .joined(separator: ", ")
    }
}

/// Everything the services need from a database.
///
/// Its life is the application's, as the broker's is: `run()` (a Service of the application's
/// group, started before the server and stopped after it) keeps its connections up while it is
/// used, and `close()` releases them once the group has stopped. A command or a test without a
/// group runs a store's connections in a task of its own (`PostgresStore.standalone`).
public protocol ChatStore: UserStore, OTPStore, InterestStore, ChatMessageStore, ConversationStore, EventLogStore, AttachmentStore, PresenceStore, StoreTransfer, MarkerStore, MessageSearchStore, UserDirectoryStore, LocationStore, AdminStore, Service {
    /// Creates or upgrades the schema. Safe to run from several processes at once.
    func migrate() async throws
    /// Answers only when the database does (the health route).
    func ping() async throws
    /// Releases connections; the store is not used afterwards.
    func close() async
}
