import Foundation
import SwiftChatCore

/// Publications on the wire between processes: small JSON documents with a version, so that
/// processes of two releases running side by side during an upgrade skip what they cannot read.
enum PublicationCodec {
    private struct Wire: Codable {
        var v: Int
        var event: String
        var interest: Int64?
        var message: Int64?
        var conversation: Int64? = nil
        var user: Int64? = nil
        var users: [Int64]? = nil
        var online: Bool? = nil
        /// Milliseconds since 1970.
        var lastSeen: Int64? = nil
        var topics: [String]
    }

    static let version = 1

    static func encode(_ publication: Publication) -> [UInt8] {
        let wire: Wire = switch publication.event {
        case .interestChanged(let interest):
            Wire(v: version, event: "interest", interest: interest.rawValue, message: nil, topics: publication.topics.map(\.name))
        case .chatMessagePosted(let interest, let message):
            Wire(v: version, event: "chat", interest: interest.rawValue, message: message.rawValue, topics: publication.topics.map(\.name))
        case .eventLogAppended:
            Wire(v: version, event: "events", interest: nil, message: nil, topics: publication.topics.map(\.name))
        case .typing(let conversation, let users):
            // `user` too, for processes of the release that relayed one typist at a time.
            Wire(v: version, event: "typing", interest: nil, message: nil, conversation: conversation.rawValue, user: users.first?.rawValue,
                users: users.map(\.rawValue), topics: publication.topics.map(\.name))
        case .presenceChanged(let user, let online, let lastSeen):
            Wire(v: version, event: "presence", interest: nil, message: nil, user: user.rawValue, online: online,
                lastSeen: lastSeen.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }, topics: publication.topics.map(\.name))
        case .accountClosed:
            Wire(v: version, event: "closed", interest: nil, message: nil, topics: publication.topics.map(\.name))
        }
        // Encoding plain strings and integers cannot fail.
        return Array((try? JSONEncoder().encode(wire)) ?? Data())
    }

    /// nil for anything that is not a publication of this version.
    static func decode(_ bytes: [UInt8]) -> Publication? {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(bytes)), wire.v == version else { return nil }
        let event: ChatEvent
        switch (wire.event, wire.message) {
        case ("interest", nil):
            guard let interest = wire.interest else { return nil }
            event = .interestChanged(InterestID(rawValue: interest))
        case ("chat", let message?):
            guard let interest = wire.interest else { return nil }
            event = .chatMessagePosted(interest: InterestID(rawValue: interest), message: ChatMessageID(rawValue: message))
        case ("events", nil): event = .eventLogAppended
        case ("closed", nil): event = .accountClosed
        case ("typing", nil):
            guard let conversation = wire.conversation, let users = wire.users ?? wire.user.map({ [$0] }),
                  !users.isEmpty, users.count <= TypingRelay.maxListed
            else { return nil }
            event = .typing(conversation: ConversationID(rawValue: conversation), users: users.map(UserID.init(rawValue:)))
        case ("presence", nil):
            guard let user = wire.user, let online = wire.online else { return nil }
            event = .presenceChanged(
                user: UserID(rawValue: user), online: online, lastSeen: wire.lastSeen.map { Date(timeIntervalSince1970: Double($0) / 1000) })
        default: return nil
        }
        return Publication(event: event, topics: wire.topics.map(Topic.init(name:)))
    }
}
