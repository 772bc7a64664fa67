import Foundation

/// A JSON value that keeps the key order it was built with and writes `null` explicitly, so
/// responses come out byte-for-byte in the original's shape (compact, UTF-8 unescaped).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// An id as the JSON number it is on the wire.
    public static func id<Entity>(_ id: EntityID<Entity>) -> JSONValue { .int(id.rawValue) }

    /// An optional id: its number, or `null`.
    public static func id<Entity>(_ id: EntityID<Entity>?) -> JSONValue { id.map { .int($0.rawValue) } ?? .null }

    /// How separators are written: DRF's renderer is compact; Python's `json.dumps` (which the
    /// original's WebSocket consumer uses) puts a space after `,` and `:`.
    public enum Style: Sendable {
        case compact, python
    }

    /// Compact serialisation.
    public var serialized: String { serialized(.compact) }

    public func serialized(_ style: Style) -> String {
        var out = ""
        write(to: &out, style: style)
        return out
    }

    public func write(to out: inout String, style: Style = .compact) {
        let comma = style == .compact ? "," : ", "
        let colon = style == .compact ? ":" : ": "
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value): out += value.isFinite ? "\(value)" : "null"
        case .string(let value): Self.writeString(value, to: &out)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += comma }
                value.write(to: &out, style: style)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { out += comma }
                Self.writeString(key, to: &out)
                out += colon
                value.write(to: &out, style: style)
            }
            out += "}"
        }
    }

    private static func writeString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20 || c.value == 0x2028 || c.value == 0x2029:
                out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSONValue: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            let dictionary = try container.decode([String: JSONValue].self)
            self = .object(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
    }
}
