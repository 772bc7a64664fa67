/// The id of a stored entity: a row id (`Int64`, as in both databases) tagged with the entity it
/// names, so that an interest id cannot be passed where a message id is expected. `Entity` is a
/// phantom type: it is never stored, only checked by the compiler.
///
/// The raw number crosses every boundary unchanged: `description` is the bare number (topics
/// like `user-<id>` and log lines use it), `Codable` is the bare JSON number, and the stores bind
/// and read it as `bigint` (their conformances live beside them).
public struct EntityID<Entity>: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public var rawValue: Int64

    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    /// Parses a decimal id, as a path parameter or form field carries it (`Int64`'s rules).
    public init?(_ text: some StringProtocol) {
        guard let value = Int64(text) else { return nil }
        rawValue = value
    }

    public init(integerLiteral value: Int64) {
        rawValue = value
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { String(rawValue) }
}

extension EntityID: Codable {
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public typealias UserID = EntityID<User>
public typealias InterestID = EntityID<Interest>
public typealias ChatMessageID = EntityID<ChatMessage>
public typealias ConversationID = EntityID<Conversation>
public typealias AttachmentID = EntityID<Attachment>
