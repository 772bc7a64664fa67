import Foundation

/// A user as the user list shows it to one caller: with the interest between them, if any.
public struct UserListEntry: Sendable, Equatable {
    public var user: User
    /// The interest `user` sent to the caller (0 or 1 element).
    public var sentBy: [Interest]
    /// The interest the caller sent to `user` (0 or 1 element).
    public var sentTo: [Interest]
    /// With privacy on: `user` is not the caller's contact, so their phone number and email are not shown.
    public var detailsHidden = false
}

/// The djoser user routes under `/api/core/user/`.
public struct UserService: Sendable {
    let store: any ChatStore
    let broker: any Broker
    /// Whether lists hide the phone numbers and emails of people who are not the caller's
    /// contacts (an accepted interest), and search finds them by whole email only.
    public let privacy: Bool

    public init(store: any ChatStore, broker: any Broker, privacy: Bool = false) {
        self.store = store
        self.broker = broker
        self.privacy = privacy
    }

    /// Every user except the caller, with the interests between each of them and the caller.
    public func list(for caller: User) async throws -> [UserListEntry] {
        try await entries(try await store.users(excluding: caller.id), for: caller)
    }

    /// The users matching `filter`, in id order after `after`, at most `limit`.
    public func list(for caller: User, matching filter: UserFilter, after: UserID?, limit: Int?) async throws -> [UserListEntry] {
        try await entries(try await store.users(matching: filter, for: caller.id, after: after, limit: limit), for: caller)
    }

    /// A filter for `caller`, privacy applied as it applies to them (admins see everyone whole).
    public func filter(for caller: User) -> UserFilter {
        UserFilter(privacy: privacy && !caller.isAdmin)
    }

    public func isSearchableByPhone(_ user: UserID) async throws -> Bool {
        try await store.isSearchableByPhone(user)
    }

    public func setSearchableByPhone(_ user: UserID, _ searchable: Bool) async throws {
        try await store.setSearchableByPhone(user, searchable)
    }

    private func entries(_ users: [User], for caller: User) async throws -> [UserListEntry] {
        let interests = try await store.interests(involving: caller.id)
        var sentByOther: [UserID: [Interest]] = [:]
        var sentByCaller: [UserID: [Interest]] = [:]
        for interest in interests {
            if interest.sentTo == caller.id { sentByOther[interest.sentBy, default: []].append(interest) }
            if interest.sentBy == caller.id { sentByCaller[interest.sentTo, default: []].append(interest) }
        }
        let hides = privacy && !caller.isAdmin
        return users.map { user in
            let (sentBy, sentTo) = (sentByOther[user.id] ?? [], sentByCaller[user.id] ?? [])
            let isContact = (sentBy + sentTo).contains(where: \.isAccepted)
            return UserListEntry(user: user, sentBy: sentBy, sentTo: sentTo, detailsHidden: hides && !isContact)
        }
    }

    public func phoneIsTaken(_ phone: PhoneNumber) async throws -> Bool {
        try await store.user(phoneNumber: phone.e164) != nil
    }

    public func updateProfile(of caller: User, _ changes: ProfileChanges) async throws -> User {
        guard let user = try await store.updateProfile(of: caller.id, changes) else { throw APIError.notFound }
        return user
    }

    /// `GET|PUT|PATCH /api/core/user/{id}/`: djoser's `CurrentUserOrAdmin`.
    public func visibleUser(id: UserID, to caller: User) async throws -> User {
        guard let user = try await store.user(id: id) else { throw APIError.notFound }
        guard caller.isAdmin || caller.id == id else { throw APIError.permissionDenied }
        return user
    }

    /// `DELETE /api/core/user/{id}/` and `/me/`: admins only. The deleted user's interests go
    /// with it, and their other parties are told, as the original's cascade signals do.
    public func delete(id: UserID, by caller: User) async throws {
        guard caller.isAdmin else { throw APIError.permissionDenied }
        // Read first: the deletion logs member.removed for the user's groups and direct conversations.
        let coMembers = (try? await store.coMembers(of: id)) ?? []
        guard let removed = try await store.deleteUser(id: id) else { throw APIError.notFound }
        for interest in removed {
            await broker.publish(.interestChanged(interest))
        }
        await broker.publish(.eventLogAppended(for: coMembers))
    }
}
