import Foundation

/// What staff may do to any conversation from the admin site, whatever their membership: the
/// same changes the members' own requests make, with the same events.
extension ConversationService {
    /// Leaves a tombstone, as the sender's own delete does; the members are told.
    public func moderatorDelete(_ message: ChatMessageID) async throws -> ChatMessage {
        guard let original = try await store.message(id: message) else { throw APIError.notFound }
        guard !original.isDeleted else { return original }
        guard let deleted = try await store.deleteMessage(message, in: original.conversationID, at: now()) else { throw APIError.notFound }
        await wakeMembers(of: original.conversationID)
        return deleted
    }

    /// Deletes a group with its messages; its members are told. Direct conversations go with
    /// their interest instead.
    public func moderatorDeleteGroup(_ id: ConversationID) async throws -> Conversation {
        guard let conversation = try await store.conversation(id: id) else { throw APIError.notFound }
        guard conversation.kind == .group else { throw APIError.badRequest("A direct conversation goes with its interest.") }
        guard try await store.deleteGroup(id, at: now()) else { throw APIError.notFound }
        await wake(conversation.memberIDs)
        return conversation
    }

    public func moderatorRename(_ id: ConversationID, title: String) async throws -> Conversation {
        let title = try checkedTitle(title)
        guard let renamed = try await store.renameGroup(id, title: title, at: now()) else { throw APIError.notFound }
        await wake(renamed.memberIDs)
        return renamed
    }

    /// Removes a member of a group; the group goes when its last member does, as when they leave.
    public func moderatorRemoveMember(_ user: UserID, from id: ConversationID) async throws -> RemovalOutcome {
        guard let conversation = try await store.conversation(id: id), conversation.kind == .group else { throw APIError.notFound }
        let outcome = try await store.removeMember(user, from: id, at: now())
        switch outcome {
        case .notMember: throw APIError.notFound
        case .removed, .groupDeleted: await wake(conversation.memberIDs)
        }
        return outcome
    }

    /// Adds a member to a group, within the group's size limit; the members are told.
    public func moderatorAddMember(_ user: UserID, to id: ConversationID) async throws {
        guard let conversation = try await store.conversation(id: id), conversation.kind == .group else { throw APIError.notFound }
        do {
            guard try await store.addMember(user, to: id, role: .member, maxMembers: limits.maxGroupMembers, at: now()) != nil else {
                throw APIError.notFound
            }
        } catch StoreError.conflict {
            throw APIError.badRequest("Already a member.")
        } catch StoreError.limitReached {
            throw APIError.badRequest("A group has at most \(limits.maxGroupMembers) members.")
        } catch StoreError.missingReference {
            throw APIError.notFound
        }
        await wakeMembers(of: id)
    }
}
