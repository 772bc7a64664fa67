import Foundation

/// Friend requests ("interests"). Their chat messages are `ChatMessageService`'s.
public struct InterestService: Sendable {
    let store: any ChatStore
    let broker: any Broker
    let now: @Sendable () -> Date

    public init(store: any ChatStore, broker: any Broker, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.broker = broker
        self.now = now
    }

    public func list(for caller: User, filter: InterestFilter) async throws -> [InterestView] {
        try await store.interests(of: caller.id, filter: filter)
    }

    /// The interest if the caller is a party. Unknown ids answer 403 like the original.
    public func interest(_ id: InterestID, for caller: User) async throws -> Interest {
        guard let interest = try await store.interest(id: id), interest.involves(caller.id) else {
            throw APIError.permissionDenied
        }
        return interest
    }

    public func view(_ id: InterestID, for caller: User) async throws -> InterestView {
        let interest = try await interest(id, for: caller)
        guard let other = try await store.user(id: interest.otherParty(than: caller.id)) else { throw APIError.permissionDenied }
        return InterestView(interest: interest, otherUser: other)
    }

    public func send(from caller: User, to recipient: UserID) async throws -> Interest {
        guard recipient != caller.id else { throw APIError.field("sent_to", ErrorText.interestToSelf) }
        guard try await store.user(id: recipient) != nil else {
            throw APIError.field("sent_to", ErrorText.invalidPK(recipient.description))
        }
        if try await store.interest(between: caller.id, and: recipient) != nil {
            throw APIError.field("sent_to", ErrorText.interestExists)
        }
        let interest: Interest
        do {
            interest = try await store.createInterest(from: caller.id, to: recipient, at: now())
        } catch StoreError.conflict {
            throw APIError.field("sent_to", ErrorText.interestExists)
        } catch StoreError.missingReference {
            throw APIError.field("sent_to", ErrorText.invalidPK(recipient.description))
        }
        await notifyParties(of: interest)
        return interest
    }

    /// Only the recipient may accept; accepting again answers OK and notifies again.
    public func accept(_ id: InterestID, by caller: User) async throws {
        let interest = try await interest(id, for: caller)
        guard interest.sentTo == caller.id else { throw APIError.permissionDenied }
        guard let accepted = try await store.acceptInterest(id: id, at: now()) else { throw APIError.permissionDenied }
        await notifyParties(of: accepted)
    }

    public func delete(_ id: InterestID, by caller: User) async throws {
        _ = try await interest(id, for: caller)
        guard let deleted = try await store.deleteInterest(id: id, at: now()) else { throw APIError.permissionDenied }
        await notifyParties(of: deleted)
    }

    /// Staff delete any interest (the admin site), with its conversation; both parties are told.
    public func moderatorDelete(_ id: InterestID) async throws -> Interest {
        guard let deleted = try await store.deleteInterest(id: id, at: now()) else { throw APIError.notFound }
        await notifyParties(of: deleted)
        return deleted
    }

    /// v1's `UPDATE_INTEREST`, and a wake-up for the events the store logged with the change.
    private func notifyParties(of interest: Interest) async {
        await broker.publish(.interestChanged(interest))
        await broker.publish(.eventLogAppended(for: interest.parties))
    }
}
