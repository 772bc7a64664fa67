import Foundation

/// v1 chat messages: the messages of an interest (its direct conversation's, as v2 sees them),
/// read and posted by its parties.
public struct ChatMessageService: Sendable {
    let store: any ChatStore
    let broker: any Broker
    /// Who may read and post: the parties of the interest.
    let interests: InterestService
    /// The longest chat message accepted, in characters.
    public let maxMessageLength: Int
    let now: @Sendable () -> Date

    public init(
        store: any ChatStore, broker: any Broker, interests: InterestService, maxMessageLength: Int,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.broker = broker
        self.interests = interests
        self.maxMessageLength = maxMessageLength
        self.now = now
    }

    public func messages(in id: InterestID, for caller: User, ordering: ListOrdering) async throws -> [ChatMessage] {
        _ = try await interests.interest(id, for: caller)
        // v1 has no tombstones: a deleted message is simply gone from its list.
        return try await store.messages(in: id, ordering: ordering).filter { !$0.isDeleted }
    }

    /// A message of the interest; one of another interest, unknown or deleted, answers 403.
    public func message(_ messageID: ChatMessageID, in id: InterestID, for caller: User) async throws -> ChatMessage {
        _ = try await interests.interest(id, for: caller)
        guard let message = try await store.message(id: messageID), message.interestID == id, !message.isDeleted else {
            throw APIError.permissionDenied
        }
        return message
    }

    /// Posts a message (on a pending interest too, as the original allows) and tells the
    /// other party.
    public func post(_ text: String, in id: InterestID, by caller: User) async throws -> ChatMessage {
        let interest = try await interests.interest(id, for: caller)
        // DRF trims surrounding whitespace before checking for blank text.
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { throw APIError.field("message", ErrorText.blank) }
        if text.count > maxMessageLength { throw APIError.field("message", ErrorText.maxLength(maxMessageLength)) }
        let message: ChatMessage
        do {
            message = try await store.createMessage(in: id, by: caller.id, text: text, at: now())
        } catch StoreError.missingReference {
            throw APIError.permissionDenied  // the interest was deleted meanwhile
        }
        let recipient = interest.otherParty(than: caller.id)
        await broker.publish(Publication(event: .chatMessagePosted(interest: id, message: message.id), topics: [.user(recipient)]))
        await broker.publish(.eventLogAppended(for: interest.parties))
        return message
    }
}
