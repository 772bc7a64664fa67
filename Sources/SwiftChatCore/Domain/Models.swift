import Foundation

/// A registered account. `passwordHash` is empty for accounts that can only log in by OTP
/// (created by OTP login or seeded as demo users), as in the original.
public struct User: Sendable, Equatable {
    public var id: UserID
    public var phoneNumber: String
    public var email: String?
    public var firstName: String
    public var lastName: String
    public var passwordHash: String
    public var isActive: Bool
    public var isStaff: Bool
    public var isSuperuser: Bool
    public var dateJoined: Date

    public init(
        id: UserID, phoneNumber: String, email: String? = nil, firstName: String = "", lastName: String = "",
        passwordHash: String = "", isActive: Bool = true, isStaff: Bool = false, isSuperuser: Bool = false,
        dateJoined: Date
    ) {
        self.id = id
        self.phoneNumber = phoneNumber
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.passwordHash = passwordHash
        self.isActive = isActive
        self.isStaff = isStaff
        self.isSuperuser = isSuperuser
        self.dateJoined = dateJoined
    }

    /// djoser's `IsAdminUser` checks `is_staff`.
    public var isAdmin: Bool { isStaff }
    public var hasUsablePassword: Bool { !passwordHash.isEmpty }
}

/// The fields needed to create a user; the store assigns the id.
public struct NewUser: Sendable {
    public var phoneNumber: String
    public var email: String?
    public var firstName: String
    public var lastName: String
    public var passwordHash: String
    public var isStaff: Bool
    public var isSuperuser: Bool

    public init(
        phoneNumber: String, email: String? = nil, firstName: String = "", lastName: String = "",
        passwordHash: String = "", isStaff: Bool = false, isSuperuser: Bool = false
    ) {
        self.phoneNumber = phoneNumber
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.passwordHash = passwordHash
        self.isStaff = isStaff
        self.isSuperuser = isSuperuser
    }
}

/// The writable profile fields of `PUT/PATCH /api/core/user/me/`; nil leaves a field unchanged.
public struct ProfileChanges: Sendable, Equatable {
    public var email: String??
    public var firstName: String?
    public var lastName: String?
    /// Set by staff only (the admin site), never by a user's own profile update.
    public var isActive: Bool?
    public var isStaff: Bool?

    public init(email: String?? = nil, firstName: String? = nil, lastName: String? = nil, isActive: Bool? = nil, isStaff: Bool? = nil) {
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.isActive = isActive
        self.isStaff = isStaff
    }
}

/// A friend request from `sentBy` to `sentTo`.
public struct Interest: Sendable, Equatable {
    public var id: InterestID
    public var sentBy: UserID
    public var sentTo: UserID
    public var isAccepted: Bool
    public var createdAt: Date

    public init(id: InterestID, sentBy: UserID, sentTo: UserID, isAccepted: Bool, createdAt: Date) {
        self.id = id
        self.sentBy = sentBy
        self.sentTo = sentTo
        self.isAccepted = isAccepted
        self.createdAt = createdAt
    }

    public var parties: [UserID] { [sentBy, sentTo] }
    public func involves(_ user: UserID) -> Bool { sentBy == user || sentTo == user }
    public func otherParty(than user: UserID) -> UserID { sentBy == user ? sentTo : sentBy }
}

/// An interest seen from one party, with the other party's profile (the list/retrieve shape).
public struct InterestView: Sendable, Equatable {
    public var interest: Interest
    public var otherUser: User

    public init(interest: Interest, otherUser: User) {
        self.interest = interest
        self.otherUser = otherUser
    }
}

/// A message of a conversation. Messages of a direct conversation are also v1's chat messages
/// of its interest: the same row, the same id.
public struct ChatMessage: Sendable, Equatable {
    public var id: ChatMessageID
    public var conversationID: ConversationID
    /// The interest of a direct conversation; nil in groups.
    public var interestID: InterestID?
    public var userID: UserID
    public var message: String
    /// The sender's idempotency key (v2 posts), unique per sender and conversation.
    public var clientID: String?
    public var createdAt: Date
    /// The files it carries, in the order the sender gave them (v2 only).
    public var attachments: [Attachment]
    /// When the sender last changed the text.
    public var editedAt: Date?
    /// When it was deleted: its text and files are gone, the row stays as a tombstone.
    public var deletedAt: Date?

    public init(
        id: ChatMessageID, conversationID: ConversationID, interestID: InterestID?, userID: UserID, message: String,
        clientID: String? = nil, createdAt: Date, attachments: [Attachment] = [], editedAt: Date? = nil, deletedAt: Date? = nil
    ) {
        self.id = id
        self.conversationID = conversationID
        self.interestID = interestID
        self.userID = userID
        self.message = message
        self.clientID = clientID
        self.createdAt = createdAt
        self.attachments = attachments
        self.editedAt = editedAt
        self.deletedAt = deletedAt
    }

    public var isDeleted: Bool { deletedAt != nil }
}

/// What an OTP code is for: `N` registers a new account through `POST /api/core/user/`,
/// `A` logs in (or registers) through `POST /api/otp/auth/`.
public enum OTPPurpose: String, Sendable, CaseIterable {
    case newAccount = "N"
    case authLogin = "A"
}

/// A pending one-time code. Only a keyed hash of the code is kept.
public struct PendingOTP: Sendable, Equatable {
    public var phoneNumber: String
    public var purpose: OTPPurpose
    public var codeHash: String
    public var expiresAt: Date
    public var failedAttempts: Int

    public init(phoneNumber: String, purpose: OTPPurpose, codeHash: String, expiresAt: Date, failedAttempts: Int = 0) {
        self.phoneNumber = phoneNumber
        self.purpose = purpose
        self.codeHash = codeHash
        self.expiresAt = expiresAt
        self.failedAttempts = failedAttempts
    }
}

/// Sort orders accepted by the `ordering` query parameter of the list routes.
public enum ListOrdering: String, Sendable, CaseIterable {
    case id, idDescending = "-id", createdAt = "created_at", createdAtDescending = "-created_at"
}

extension ListOrdering {
    /// The ORDER BY terms for rows of `table`, the same in every SQL store; ties on time are
    /// broken by id so that the order is total.
    public func sqlOrder(table: String) -> String {
        switch self {
        case .id: "\(table).id"
        case .idDescending: "\(table).id DESC"
        case .createdAt: "\(table).created_at, \(table).id"
        case .createdAtDescending: "\(table).created_at DESC, \(table).id DESC"
        }
    }
}

/// Filters of `GET /api/my_app/interests/`.
public struct InterestFilter: Sendable, Equatable {
    public var isAccepted: Bool?
    /// Every term must appear (case-insensitively) in either party's first name.
    public var searchTerms: [String]
    public var ordering: ListOrdering?

    public init(isAccepted: Bool? = nil, searchTerms: [String] = [], ordering: ListOrdering? = nil) {
        self.isAccepted = isAccepted
        self.searchTerms = searchTerms
        self.ordering = ordering
    }
}
