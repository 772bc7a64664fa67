import Foundation

/// Errors a store reports that the rules above it turn into answers.
public enum StoreError: Error, Equatable {
    /// A unique constraint was hit (a phone number taken, an interest pair already present).
    case conflict
    /// A row the write depends on is gone (a user deleted between check and write).
    case missingReference
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
    func acceptInterest(id: InterestID) async throws -> Interest?
    /// Deletes the interest and its messages; nil when it did not exist.
    func deleteInterest(id: InterestID) async throws -> Interest?
}

public protocol ChatMessageStore: Sendable {
    func messages(in interest: InterestID, ordering: ListOrdering) async throws -> [ChatMessage]
    func message(id: ChatMessageID) async throws -> ChatMessage?
    func createMessage(in interest: InterestID, by user: UserID, text: String, at date: Date) async throws -> ChatMessage
}

/// Everything the services need from a database.
public protocol ChatStore: UserStore, OTPStore, InterestStore, ChatMessageStore {
    /// Creates or upgrades the schema.
    func migrate() async throws
    /// Answers only when the database does (the health route).
    func ping() async throws
}
