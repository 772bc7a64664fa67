import SwiftChatCore
/// Block-style YAML for a JSON value (for `/swagger.yaml/`). Strings are always double-quoted
/// with JSON escapes, which YAML reads the same way, so no value can be misread as another type.
extension JSONValue {
    var yaml: String {
        var out = ""
        writeYAML(to: &out, indent: 0, inline: false)
        return out
    }

    private func writeYAML(to out: inout String, indent: Int, inline: Bool) {
        let pad = String(repeating: "  ", count: indent)
        switch self {
        case .object(let pairs) where !pairs.isEmpty:
            for (index, (key, value)) in pairs.enumerated() {
                if !(inline && index == 0) { out += pad }
                out += JSONValue.string(key).serialized + ":"
                value.writeYAMLValue(to: &out, indent: indent + 1)
            }
        case .array(let values) where !values.isEmpty:
            for (index, value) in values.enumerated() {
                if !(inline && index == 0) { out += pad }
                out += "- "
                switch value {
                case .object(let pairs) where !pairs.isEmpty:
                    value.writeYAML(to: &out, indent: indent + 1, inline: true)
                case .array(let items) where !items.isEmpty:
                    value.writeYAML(to: &out, indent: indent + 1, inline: true)
                default:
                    out += value.serialized + "\n"
                }
            }
        default:
            out += pad + serialized + "\n"
        }
    }

    /// After `key:`: a scalar (or empty collection) on the same line, a collection below it.
    private func writeYAMLValue(to out: inout String, indent: Int) {
        switch self {
        case .object(let pairs) where !pairs.isEmpty:
            out += "\n"
            writeYAML(to: &out, indent: indent, inline: false)
        case .array(let values) where !values.isEmpty:
            out += "\n"
            writeYAML(to: &out, indent: indent, inline: false)
        default:
            out += " " + serialized + "\n"
        }
    }
}
