/// Where an event is published: a user's personal topic today, a group's tomorrow.
public struct Topic: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(name: String) {
        self.name = name
    }

    /// The original's channel-layer group name, `user-<id>`.
    public static func user(_ id: UserID) -> Topic { Topic(name: "user-\(id)") }

    /// Wake-ups for a user's `chat_stream` sockets.
    public static func eventLog(_ id: UserID) -> Topic { Topic(name: "events-\(id)") }

    public var isEventLog: Bool { name.hasPrefix("events-") }

    public var description: String { name }
}
