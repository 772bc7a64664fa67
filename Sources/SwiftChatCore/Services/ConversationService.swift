import Foundation

/// v2 conversations: groups and their members, history and posts. Only members see a
/// conversation (anyone else gets 404, so that its existence is not revealed); a member
/// without the right for an action gets 403.
public struct ConversationService: Sendable {
    public struct Limits: Sendable {
        public var maxGroupMembers: Int
        public var maxMessageLength: Int
        public var maxTitleLength = 100
        public var maxClientIDLength = 100
        public var maxAttachmentsPerMessage = 10
        /// How long after posting a sender may edit a message (0: never).
        public var editWindow: TimeInterval

        public init(maxGroupMembers: Int, maxMessageLength: Int, editWindow: TimeInterval = 3600) {
            self.maxGroupMembers = maxGroupMembers
            self.maxMessageLength = maxMessageLength
            self.editWindow = editWindow
        }
    }

    let store: any ChatStore
    let broker: any Broker
    public let limits: Limits
    let now: @Sendable () -> Date
    let typingRelay: TypingRelay

    public init(store: any ChatStore, broker: any Broker, limits: Limits, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.broker = broker
        self.limits = limits
        self.now = now
        typingRelay = TypingRelay(store: store, broker: broker)
    }

    public func list(for caller: User, after cursor: ConversationCursor?, limit: Int) async throws -> ConversationPage {
        try await store.conversations(of: caller.id, after: cursor, limit: limit)
    }

    /// The conversation if the caller is a member.
    public func conversation(_ id: ConversationID, for caller: User) async throws -> Conversation {
        guard let conversation = try await store.conversation(id: id), conversation.member(caller.id) != nil else { throw APIError.notFound }
        return conversation
    }

    public func createGroup(title: String, members: [UserID], by caller: User) async throws -> Conversation {
        let title = try checkedTitle(title)
        var unique = Set<UserID>([caller.id])
        for member in members { unique.insert(member) }
        guard unique.count <= limits.maxGroupMembers else {
            throw APIError.field("members", "A group has at most \(limits.maxGroupMembers) members.")
        }
        for member in members where try await store.user(id: member) == nil {
            throw APIError.field("members", ErrorText.invalidPK(member.description))
        }
        do {
            let group = try await store.createGroup(title: title, by: caller.id, members: members, at: now())
            await wake(group.memberIDs)
            return group
        } catch StoreError.missingReference {
            throw APIError.field("members", "A member no longer exists.")
        }
    }

    public func rename(_ id: ConversationID, title: String, by caller: User) async throws -> Conversation {
        let role = try await group(id, caller: caller)
        guard role.managesMembers else { throw APIError.permissionDenied }
        let title = try checkedTitle(title)
        guard let renamed = try await store.renameGroup(id, title: title, at: now()) else { throw APIError.notFound }
        await wake(renamed.memberIDs)
        return renamed
    }

    public func delete(_ id: ConversationID, by caller: User) async throws {
        let conversation = try await conversation(id, for: caller)
        guard conversation.kind == .group else { throw APIError.badRequest("A direct conversation goes with its interest.") }
        guard conversation.member(caller.id)?.role == .owner else { throw APIError.permissionDenied }
        guard try await store.deleteGroup(id, at: now()) else { throw APIError.notFound }
        await wake(conversation.memberIDs)
    }

    public func addMember(_ user: UserID, role: MemberRole, to id: ConversationID, by caller: User) async throws -> ConversationMember {
        let callerRole = try await group(id, caller: caller)
        guard callerRole.managesMembers else { throw APIError.permissionDenied }
        // Only the owner hands out roles above member; there is one owner.
        if role == .owner { throw APIError.field("role", "A group has one owner; change roles to hand it on.") }
        if role == .admin && callerRole != .owner { throw APIError.permissionDenied }
        guard try await store.user(id: user) != nil else { throw APIError.field("user", ErrorText.invalidPK(user.description)) }
        do {
            guard let member = try await store.addMember(user, to: id, role: role, maxMembers: limits.maxGroupMembers, at: now()) else {
                throw APIError.notFound
            }
            await wakeMembers(of: id)
            return member
        } catch StoreError.conflict {
            throw APIError.field("user", "Already a member.")
        } catch StoreError.limitReached {
            throw APIError.field("user", "A group has at most \(limits.maxGroupMembers) members.")
        } catch StoreError.missingReference {
            throw APIError.field("user", ErrorText.invalidPK(user.description))
        }
    }

    /// Only the owner changes roles. Making another member owner hands ownership on: the store
    /// makes the old owner an admin in the same change.
    public func changeRole(of user: UserID, to role: MemberRole, in id: ConversationID, by caller: User) async throws -> ConversationMember {
        let callerRole = try await group(id, caller: caller)
        guard callerRole == .owner else { throw APIError.permissionDenied }
        guard user != caller.id else { throw APIError.field("role", "The owner hands ownership on by making another member owner.") }
        guard try await store.role(of: user, in: id) != nil else { throw APIError.notFound }
        guard let member = try await store.changeRole(of: user, in: id, to: role, at: now()) else { throw APIError.notFound }
        await wakeMembers(of: id)
        return member
    }

    /// Removes a member (owners and admins; an admin cannot remove the owner or another
    /// admin), or leaves when `user` is the caller.
    public func removeMember(_ user: UserID, from id: ConversationID, by caller: User) async throws {
        let callerRole = try await group(id, caller: caller)
        if user != caller.id {
            guard callerRole.managesMembers else { throw APIError.permissionDenied }
            guard let target = try await store.role(of: user, in: id) else { throw APIError.notFound }
            if callerRole == .admin && target != .member { throw APIError.permissionDenied }
        }
        let before = try await store.memberIDs(of: id)
        switch try await store.removeMember(user, from: id, at: now()) {
        case .notMember: throw APIError.notFound
        case .removed, .groupDeleted: await wake(before)
        }
    }

    public func messages(in id: ConversationID, window: MessageWindow, limit: Int, for caller: User) async throws -> MessagePage {
        _ = try await membership(id, caller: caller)
        return try await store.messages(in: id, window: window, limit: limit)
    }

    /// `attachments` are the caller's own unused uploads; with any, the text may be blank.
    public func post(
        _ text: String, clientID: String?, attachments: [AttachmentID] = [], in id: ConversationID, by caller: User
    ) async throws -> PostOutcome {
        _ = try await membership(id, caller: caller)
        if attachments.count > limits.maxAttachmentsPerMessage {
            throw APIError.field("attachments", "A message carries at most \(limits.maxAttachmentsPerMessage) attachments.")
        }
        if Set(attachments).count != attachments.count { throw APIError.field("attachments", "An attachment is named twice.") }
        try checkText(text, withAttachments: !attachments.isEmpty)
        if let clientID {
            guard !clientID.isEmpty, clientID.count <= limits.maxClientIDLength else {
                throw APIError.field("client_id", "A client_id has 1 to \(limits.maxClientIDLength) characters.")
            }
        }
        let outcome: PostOutcome
        do {
            outcome = try await store.postMessage(in: id, by: caller.id, text: text, clientID: clientID, attachments: attachments, at: now())
        } catch StoreError.missingReference {
            throw APIError.notFound
        } catch StoreError.attachmentUnavailable {
            throw APIError.field("attachments", "Each attachment must be one of your own uploads that no message carries yet.")
        } catch StoreError.conflict {
            // Two posts with one client_id raced: the first one stored is the answer.
            guard let clientID,
                let first = try await store.postMessage(in: id, by: caller.id, text: text, clientID: clientID, attachments: attachments, at: now()).existing
            else { throw StoreError.conflict }
            return .existing(first)
        }
        if case .created(let message) = outcome {
            let members = (try? await store.memberIDs(of: id)) ?? []
            await wake(members)
            if let interest = message.interestID {
                // v1 parity: the other party of a direct conversation hears UPDATE_CHAT.
                let others = members.filter { $0 != caller.id }
                await broker.publish(Publication(event: .chatMessagePosted(interest: interest, message: message.id), topics: others.map(Topic.user)))
            }
        }
        return outcome
    }

    /// Moves the caller's read marker forward to `message` (never back) and answers where it
    /// is; the other members, and the caller's other devices, hear `receipt.updated`.
    public func markRead(_ message: ChatMessageID, in id: ConversationID, by caller: UserID) async throws -> ChatMessageID {
        switch try await store.markRead(caller, in: id, upTo: message, at: now()) {
        case .notMember: throw APIError.notFound
        case .unknownMessage: throw APIError.field("message_id", "Not a message of this conversation.")
        case .unchanged(let marker): return marker
        case .moved(let marker):
            await wakeMembers(of: id)
            return marker
        }
    }

    /// The sender changes their message's text, within `limits.editWindow` of posting it.
    public func edit(_ message: ChatMessageID, in id: ConversationID, text: String, by caller: User) async throws -> ChatMessage {
        _ = try await membership(id, caller: caller)
        let original = try await messageOf(id, message)
        guard original.userID == caller.id else { throw APIError.permissionDenied }
        guard !original.isDeleted else { throw APIError.badRequest("A deleted message cannot be edited.") }
        guard now().timeIntervalSince(original.createdAt) <= limits.editWindow else {
            throw APIError.badRequest("Messages can be edited for \(Int(limits.editWindow)) seconds after they are posted.")
        }
        let carriesFiles = !(try await store.attachments(ofMessages: [message])[message] ?? []).isEmpty
        try checkText(text, withAttachments: carriesFiles)
        guard let edited = try await store.editMessage(message, in: id, text: text, at: now()) else { throw APIError.notFound }
        await wakeMembers(of: id)
        return edited
    }

    /// The sender deletes their message; in a group its owner and admins may delete anyone's.
    /// Deleting a deleted message changes nothing.
    public func delete(_ message: ChatMessageID, in id: ConversationID, by caller: User) async throws {
        let role = try await membership(id, caller: caller)
        let original = try await messageOf(id, message)
        if original.userID != caller.id {
            guard role.managesMembers, try await store.conversation(id: id)?.kind == .group else { throw APIError.permissionDenied }
        }
        guard !original.isDeleted else { return }
        guard try await store.deleteMessage(message, in: id, at: now()) != nil else { throw APIError.notFound }
        await wakeMembers(of: id)
    }

    private func messageOf(_ conversation: ConversationID, _ id: ChatMessageID) async throws -> ChatMessage {
        guard let message = try await store.message(id: id), message.conversationID == conversation else { throw APIError.notFound }
        return message
    }

    /// Tells the other members' sockets, in every process, that the caller is typing, batched
    /// per conversation by `TypingRelay`. Nothing is stored; clients let the indicator lapse
    /// after `typingLifetime` without a repeat.
    /// `knownMember`: the caller checked membership lately (a socket remembers it for a while).
    public func typing(in id: ConversationID, by caller: UserID, knownMember: Bool = false) async throws {
        if !knownMember {
            guard try await store.role(of: caller, in: id) != nil else { throw APIError.notFound }
        }
        typingRelay.announce(caller, in: id)
    }

    /// How long a client shows "… is typing" after the last relay; senders repeat sooner.
    public static let typingLifetime: Duration = .seconds(6)

    /// The caller's unread messages in each of the conversations.
    public func unreadCounts(for caller: UserID, in conversations: [Conversation]) async throws -> [ConversationID: Int] {
        try await store.unreadCounts(of: caller, in: conversations.map(\.id))
    }

    public func unreadCounts(for caller: UserID, in id: ConversationID) async throws -> Int {
        try await store.unreadCounts(of: caller, in: [id])[id] ?? 0
    }

    // MARK: Checks and wake-ups

    private func membership(_ id: ConversationID, caller: User) async throws -> MemberRole {
        guard let role = try await store.role(of: caller.id, in: id) else { throw APIError.notFound }
        return role
    }

    /// The caller's role in a group; 404 for non-members, 400 for a direct conversation.
    private func group(_ id: ConversationID, caller: User) async throws -> MemberRole {
        let conversation = try await conversation(id, for: caller)
        guard conversation.kind == .group, let member = conversation.member(caller.id) else {
            throw APIError.badRequest("Direct conversations have no settings: they follow their interest.")
        }
        return member.role
    }

    /// Checked trimmed, stored exactly as sent; blank only beside attachments.
    private func checkText(_ text: String, withAttachments: Bool) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty && !withAttachments { throw APIError.field("text", ErrorText.blank) }
        if text.utf8.contains(0) { throw APIError.field("text", ErrorText.nullCharacters) }
        if trimmed.count > limits.maxMessageLength { throw APIError.field("text", ErrorText.maxLength(limits.maxMessageLength)) }
    }

    /// 1 to 100 characters after trimming, no NUL.
    func checkedTitle(_ title: String) throws -> String {
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty { throw APIError.field("title", ErrorText.blank) }
        if title.count > limits.maxTitleLength { throw APIError.field("title", ErrorText.maxLength(limits.maxTitleLength)) }
        return title
    }

    /// The members after the change (a member just added among them).
    func wakeMembers(of id: ConversationID) async {
        await wake((try? await store.memberIDs(of: id)) ?? [])
    }

    func wake(_ users: [UserID]) async {
        await broker.publish(.eventLogAppended(for: users))
    }
}

extension PostOutcome {
    var existing: ChatMessage? {
        if case .existing(let message) = self { return message }
        return nil
    }
}
