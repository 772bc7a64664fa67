import SwiftChatCore

/// What a client's `chat_stream` frame asks for (`{"stream": "chat_stream", "payload": {...}}`).
enum ChatStreamAction: Equatable {
    /// Events after `since` (the client's last seq), or from now on without it.
    case subscribe(since: Int64?)
    /// Move the caller's read marker, as `POST /api/v2/conversations/{id}/read/` does.
    case read(conversation: ConversationID, message: ChatMessageID)
    /// Tell the conversation's other members that the caller is typing.
    case typing(conversation: ConversationID)

    static let types = ["subscribe", "read", "typing"]

    /// The action, or the error frame's text.
    static func parse(_ payload: JSONValue) -> Result<ChatStreamAction, ChatStreamError> {
        guard case .object = payload else { return .failure(ChatStreamError("A chat_stream payload is a JSON object.")) }
        guard case .string(let type)? = payload["type"] else { return .failure(ChatStreamError("A chat_stream payload needs a \"type\".")) }
        switch type {
        case "subscribe":
            switch payload["since"] {
            case nil, .null?: return .success(.subscribe(since: nil))
            case .int(let since)? where since >= 0: return .success(.subscribe(since: since))
            default: return .failure(ChatStreamError("\"since\" is a seq: a whole number, 0 or more."))
            }
        case "read":
            guard let conversation = conversation(in: payload) else { return .failure(notAConversation) }
            guard case .int(let message)? = payload["message_id"], message > 0 else {
                return .failure(ChatStreamError("\"message_id\" is a message's id."))
            }
            return .success(.read(conversation: conversation, message: ChatMessageID(rawValue: message)))
        case "typing":
            guard let conversation = conversation(in: payload) else { return .failure(notAConversation) }
            return .success(.typing(conversation: conversation))
        default:
            let known = types.map { "\"\($0)\"" }.joined(separator: ", ")
            return .failure(ChatStreamError("Unknown chat_stream type \"\(type)\"; send one of \(known)."))
        }
    }

    private static let notAConversation = ChatStreamError("\"conversation\" is a conversation's id.")

    private static func conversation(in payload: JSONValue) -> ConversationID? {
        guard case .int(let id)? = payload["conversation"], id > 0 else { return nil }
        return ConversationID(rawValue: id)
    }
}
