/// A table `move-data` copies column by column, for tables whose rows need no type of their
/// own outside the store (conversations, members, the event log). Values travel as integers
/// (booleans 0/1, times in microseconds), text or null, so both stores read and write them alike.
public struct TransferTable: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case int, text, time
    }

    public struct Column: Sendable, Equatable {
        public let name: String
        public let kind: Kind
        public let nullable: Bool
    }

    public let name: String
    public let columns: [Column]
    /// The first `keyCount` columns are the primary key: rows are read in its order.
    public let keyCount: Int
    /// A table whose ids come from a generator (`move-data` moves it past the copied ids).
    public var hasIdentity: Bool { columns.first?.name == "id" }

    init(_ name: String, key: Int, _ columns: [(String, Kind, Bool)]) {
        self.name = name
        self.keyCount = key
        self.columns = columns.map { Column(name: $0.0, kind: $0.1, nullable: $0.2) }
    }

    public var columnList: String { columns.map(\.name).joined(separator: ", ") }
    public var keyList: String { columns.prefix(keyCount).map(\.name).joined(separator: ", ") }

    public static let conversations = TransferTable("conversations", key: 1, [
        ("id", .int, false), ("kind", .text, false), ("title", .text, true), ("interest_id", .int, true), ("created_at", .time, false),
        ("created_by", .int, false), ("activity_at", .time, false), ("latest_message_id", .int, true),
    ])
    public static let members = TransferTable("conversation_members", key: 2, [
        ("conversation_id", .int, false), ("user_id", .int, false), ("role", .text, false), ("joined_at", .time, false),
        ("last_read_message_id", .int, true),
    ])
    public static let eventPayloads = TransferTable("event_payloads", key: 1, [
        ("id", .int, false), ("type", .text, false), ("at", .time, false), ("data", .text, false),
    ])
    public static let events = TransferTable("events", key: 2, [("user_id", .int, false), ("seq", .int, false), ("payload_id", .int, false)])
    public static let eventHeads = TransferTable("event_heads", key: 1, [("user_id", .int, false), ("last_seq", .int, false)])
    public static let attachments = TransferTable("attachments", key: 1, [
        ("id", .int, false), ("uploader_id", .int, false), ("storage_key", .text, false), ("name", .text, false),
        ("mime_type", .text, false), ("size", .int, false), ("sha256", .text, false), ("width", .int, true), ("height", .int, true),
        ("thumbnail_key", .text, true), ("thumbnail_width", .int, true), ("thumbnail_height", .int, true), ("message_id", .int, true),
        ("position", .int, true), ("created_at", .time, false),
    ])
    public static let blobDeletions = TransferTable("blob_deletions", key: 1, [("storage_key", .text, false), ("due_at", .time, false)])

    /// Copied before chat messages (which refer to conversations).
    public static let presence = TransferTable("user_presence", key: 1, [("user_id", .int, false), ("hidden", .int, false), ("last_seen_at", .time, true)])

    public static let privacy = TransferTable("user_privacy", key: 1, [("user_id", .int, false), ("searchable_by_phone", .int, false)])

    public static let beforeMessages: [TransferTable] = [conversations, members]
    public static let locations = TransferTable("user_locations", key: 1, [
        ("user_id", .int, false), ("latitude_e6", .int, false), ("longitude_e6", .int, false), ("accuracy_m", .int, true), ("expires_at", .time, false),
    ])
    /// The admin site's audit log (its sessions are not carried: staff sign in again on the copy).
    public static let adminAudit = TransferTable("admin_audit", key: 1, [
        ("id", .int, false), ("actor_id", .int, false), ("actor_phone", .text, false), ("action", .text, false), ("target", .text, false),
        ("before", .text, true), ("after", .text, true), ("at", .time, false),
    ])
    public static let afterMessages: [TransferTable] = [
        eventPayloads, events, eventHeads, attachments, blobDeletions, presence, privacy, locations, adminAudit,
    ]
    public static let all = beforeMessages + afterMessages
}

public enum TransferValue: Sendable, Equatable {
    case null
    case int(Int64)
    case text(String)

    public var int: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }
}
