import Crypto
import Foundation

/// The rules of the admin site: who may sign in (active staff with a password), its sessions,
/// and every change it makes, each written to the audit log with the record before and after.
/// Changes go through the same services as the API's, so that members and sockets are told alike.
public struct AdminService: Sendable {
    let store: any ChatStore
    let broker: any Broker
    let auth: AuthService
    let users: UserService
    let interests: InterestService
    let conversations: ConversationService
    /// How long a session lasts from sign-in.
    public let sessionLifetime: TimeInterval
    /// Failed sign-ins per phone number and client address: a few are free, then each costs a
    /// growing wait. Per address too, so that a stranger who knows a staff member's number
    /// cannot lock them out from elsewhere; guessing from many addresses is bounded by the
    /// password limit per client address.
    let failures: FailureBackoff
    let now: @Sendable () -> Date

    public init(
        store: any ChatStore, broker: any Broker, auth: AuthService, users: UserService, interests: InterestService,
        conversations: ConversationService, sessionLifetime: TimeInterval, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.broker = broker
        self.auth = auth
        self.users = users
        self.interests = interests
        self.conversations = conversations
        self.sessionLifetime = sessionLifetime
        self.failures = FailureBackoff(freeFailures: 5, window: 15 * 60, maxLock: 15 * 60)
        self.now = now
    }

    // MARK: Sessions

    /// A new session for active staff whose password matches; the token goes into the cookie.
    /// Anyone else gets the same refusal, whether the phone, the password or the staff flag was wrong.
    public func signIn(phoneNumber: String, password: String, from client: String) async throws -> (token: String, session: AdminSession) {
        // Unreadable numbers share one key: made-up ones must not fill the table.
        let key = (PhoneNumber(parsing: phoneNumber)?.e164 ?? "unreadable") + " " + client
        if let wait = failures.lockRemaining(key, now: now()) { throw APIError.throttled(retryAfterSeconds: wait) }
        let user: User
        do {
            user = try await auth.account(phoneNumber: phoneNumber, password: password)
            guard user.isStaff else { throw APIError.noActiveAccount }
        } catch APIError.noActiveAccount {
            failures.recordFailure(key, now: now())
            throw APIError.noActiveAccount
        }
        failures.recordSuccess(key)
        let token = Self.randomToken()
        let created = now()
        let session = AdminSession(
            tokenHash: Self.hash(token), userID: user.id, csrfToken: Self.randomToken(), createdAt: created,
            expiresAt: created.addingTimeInterval(sessionLifetime))
        try await store.createAdminSession(session)
        return (token, session)
    }

    /// The session and its user while both are good: unexpired, and the user still active staff.
    public func session(token: String) async throws -> (AdminSession, User)? {
        guard token.utf8.count == 64, let session = try await store.adminSession(tokenHash: Self.hash(token), now: now()) else { return nil }
        guard let user = try await store.user(id: session.userID), user.isActive, user.isStaff else { return nil }
        return (session, user)
    }

    public func signOut(token: String) async throws {
        try await store.deleteAdminSession(tokenHash: Self.hash(token))
    }

    /// Forgets expired sessions and sign-in failures that aged out.
    public func purge() async throws {
        failures.purge(now: now())
        _ = try await store.purgeAdminSessions(before: now())
    }

    /// 32 bytes from the system's CSPRNG, as hex.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.string((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func hash(_ token: String) -> String { Hex.string(SHA256.hash(data: Data(token.utf8))) }

    // MARK: Users

    /// Changes a user's names, email and flags. Deactivating closes the user's sockets and
    /// signs them out of the admin site at once (their API tokens are refused from the next
    /// request, which reads the user). Staff and superuser accounts are changed by superusers
    /// only, and the staff flag is theirs to give.
    public func update(_ id: UserID, _ changes: ProfileChanges, by actor: User) async throws -> User {
        guard let before = try await store.user(id: id) else { throw APIError.notFound }
        let touchesStaff = changes.isStaff.map { $0 != before.isStaff } ?? false
        if (before.isStaff || before.isSuperuser || touchesStaff) && !actor.isSuperuser { throw APIError.permissionDenied }
        if id == actor.id && (changes.isActive == false || changes.isStaff == false) {
            throw APIError.badRequest("You cannot deactivate or demote your own account.")
        }
        guard let after = try await store.updateProfile(of: id, changes) else { throw APIError.notFound }
        if before.isActive && !after.isActive { await closeAccess(of: id) }
        if before.isStaff && !after.isStaff { try await store.deleteAdminSessions(of: id) }
        try await audit("user.change", "user \(id)", before: Self.record(before), after: Self.record(after), by: actor)
        return after
    }

    /// Deactivates each of `ids` that the actor may change; returns how many were changed.
    public func deactivate(_ ids: [UserID], by actor: User) async throws -> Int {
        var changed = 0
        for id in Set(ids).sorted() {
            guard let user = try await store.user(id: id), user.isActive else { continue }
            do {
                _ = try await update(id, ProfileChanges(isActive: false), by: actor)
                changed += 1
            } catch APIError.permissionDenied {
                continue
            } catch APIError.badRequest {
                continue
            }
        }
        return changed
    }

    /// What deleting `id` takes with it, to say so on the confirmation page.
    public func footprint(of id: UserID) async throws -> UserFootprint {
        guard let user = try await store.user(id: id) else { throw APIError.notFound }
        return UserFootprint(
            user: user, interests: try await store.interestCount(involving: id), messages: try await store.messageCount(by: id),
            groups: try await store.groupCount(of: id))
    }

    public func delete(_ id: UserID, by actor: User) async throws {
        guard let before = try await store.user(id: id) else { throw APIError.notFound }
        if (before.isStaff || before.isSuperuser) && !actor.isSuperuser { throw APIError.permissionDenied }
        guard id != actor.id else { throw APIError.badRequest("You cannot delete your own account.") }
        try await users.delete(id: id, by: actor)
        // The API's delete leaves open sockets to hear of the change, as the original did; the
        // admin site closes them, as it does for a deactivation.
        await closeAccess(of: id)
        try await audit("user.delete", "user \(id)", before: Self.record(before), after: nil, by: actor)
    }

    /// Sets a staff account's password (superusers only); the account's admin sessions end.
    /// Other users sign in with one-time codes: the admin site does not give them passwords.
    public func setPassword(of id: UserID, to password: String, by actor: User) async throws {
        guard actor.isSuperuser else { throw APIError.permissionDenied }
        guard let user = try await store.user(id: id) else { throw APIError.notFound }
        guard user.isStaff else { throw APIError.badRequest("Only staff accounts get a password here; make them staff first.") }
        guard password.count >= 8, password.utf8.count <= 72 else {
            throw APIError.field("password", "8 characters or more, and at most 72 bytes in UTF-8.")
        }
        try await store.setPasswordHash(of: id, await auth.passwordHash(password))
        try await store.deleteAdminSessions(of: id)
        try await audit("user.password", "user \(id)", before: nil, after: #"{"phone_number": \#(JSONValue.string(user.phoneNumber).serialized(.python))}"#, by: actor)
    }

    /// Closes the user's sockets in every process and ends their admin sessions.
    private func closeAccess(of id: UserID) async {
        await broker.publish(.accountClosed(id))
        try? await store.deleteAdminSessions(of: id)
    }

    // MARK: Interests, conversations, messages

    public func deleteInterest(_ id: InterestID, by actor: User) async throws {
        let deleted = try await interests.moderatorDelete(id)
        let record = JSONValue.object([
            ("sent_by", .int(deleted.sentBy.rawValue)), ("sent_to", .int(deleted.sentTo.rawValue)), ("is_accepted", .bool(deleted.isAccepted)),
        ])
        try await audit("interest.delete", "interest \(id)", before: record.serialized(.python), after: nil, by: actor)
    }

    public func deleteGroup(_ id: ConversationID, by actor: User) async throws {
        let deleted = try await conversations.moderatorDeleteGroup(id)
        let record = JSONValue.object([("title", deleted.title.map(JSONValue.string) ?? .null), ("members", .int(Int64(deleted.members.count)))])
        try await audit("group.delete", "conversation \(id)", before: record.serialized(.python), after: nil, by: actor)
    }

    public func renameGroup(_ id: ConversationID, title: String, by actor: User) async throws {
        guard let before = try await store.conversation(id: id), before.kind == .group else { throw APIError.notFound }
        let renamed = try await conversations.moderatorRename(id, title: title)
        try await audit("group.rename", "conversation \(id)", before: Self.titleRecord(before.title), after: Self.titleRecord(renamed.title), by: actor)
    }

    /// Returns whether the group went with its last member (then audited as its delete).
    @discardableResult
    public func removeMember(_ user: UserID, from id: ConversationID, by actor: User) async throws -> RemovalOutcome {
        let before = try await store.conversation(id: id)
        let outcome = try await conversations.moderatorRemoveMember(user, from: id)
        try await audit("group.remove_member", "conversation \(id)", before: #"{"member": \#(user)}"#, after: nil, by: actor)
        if outcome == .groupDeleted, let before {
            let record = JSONValue.object([("title", before.title.map(JSONValue.string) ?? .null), ("members", .int(1))])
            try await audit("group.delete", "conversation \(id)", before: record.serialized(.python), after: nil, by: actor)
        }
        return outcome
    }

    public func addMember(_ user: UserID, to id: ConversationID, by actor: User) async throws {
        try await conversations.moderatorAddMember(user, to: id)
        try await audit("group.add_member", "conversation \(id)", before: nil, after: #"{"member": \#(user)}"#, by: actor)
    }

    static func titleRecord(_ title: String?) -> String {
        JSONValue.object([("title", title.map(JSONValue.string) ?? .null)]).serialized(.python)
    }

    public func deleteMessage(_ id: ChatMessageID, by actor: User) async throws {
        guard let original = try await store.message(id: id), !original.isDeleted else { throw APIError.notFound }
        _ = try await conversations.moderatorDelete(id)
        let record = JSONValue.object([
            // Not the text: a deleted message's words leave the store, the audit log included.
            ("conversation", .int(original.conversationID.rawValue)), ("user", .int(original.userID.rawValue)),
            ("characters", .int(Int64(original.message.count))), ("attachments", .int(Int64(original.attachments.count))),
        ])
        try await audit("message.delete", "message \(id)", before: record.serialized(.python), after: #"{"deleted": true}"#, by: actor)
    }

    // MARK: Audit log

    public func auditEntries(before id: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await store.auditEntries(before: id, limit: limit)
    }

    private func audit(_ action: String, _ target: String, before: String?, after: String?, by actor: User) async throws {
        try await store.appendAudit(
            AuditEntry(actorID: actor.id, actorPhone: actor.phoneNumber, action: action, target: target, before: before, after: after, at: now()))
    }

    /// A user's fields the admin site changes, as the audit log keeps them.
    static func record(_ user: User) -> String {
        JSONValue.object([
            ("first_name", .string(user.firstName)), ("last_name", .string(user.lastName)), ("email", user.email.map(JSONValue.string) ?? .null),
            ("is_active", .bool(user.isActive)), ("is_staff", .bool(user.isStaff)),
        ]).serialized(.python)
    }
}
