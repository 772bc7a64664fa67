/// MultipartKit 4.7.1 looks each byte of a part header's name up in a table of 128 entries, so a
/// byte of 0x80 or more there traps the process (the one version on the mirror). This guard
/// reads the body as the parser will, before it does, and refuses such a head first. It follows
/// the parser's framing loosely, erring towards refusing: a delimiter (`--boundary`, after a CRLF
/// once past the preamble), then head lines up to an empty line, then content up to the next
/// delimiter; where the parser would refuse the body, the guard stops reading too. One pass, linear (the delimiter is matched with a prefix table), state kept across
/// chunks.
struct MultipartHeadGuard {
    private enum Mode {
        /// Content (or the preamble): looking for the delimiter.
        case content
        /// Just after a delimiter: `-` ends the body, CR LF starts the heads (the parser refuses
        /// anything else, and reads no further).
        case afterDelimiter
        case lineFeedBeforeHeads
        /// At a head line's name, up to its `:`; a CR at its start ends the heads.
        case headName(atLineStart: Bool)
        case headValue
        case endOfHeads
        /// Past the end, or past what the parser refuses: nothing more is read.
        case done
    }

    private let delimiter: [UInt8]
    private let fallback: [Int]
    private var matched: Int
    private var mode = Mode.content

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        fallback = Self.prefixTable(delimiter)
        // The first delimiter needs no CRLF before it.
        matched = 2
    }

    /// False once a head's name holds a byte the parser cannot take.
    mutating func admits(_ bytes: some Sequence<UInt8>) -> Bool {
        for byte in bytes {
            switch mode {
            case .content:
                while matched > 0 && delimiter[matched] != byte { matched = fallback[matched - 1] }
                if delimiter[matched] == byte { matched += 1 }
                if matched == delimiter.count {
                    matched = 0
                    mode = .afterDelimiter
                }
            case .afterDelimiter:
                mode = byte == UInt8(ascii: "\r") ? .lineFeedBeforeHeads : .done
            case .lineFeedBeforeHeads:
                mode = byte == UInt8(ascii: "\n") ? .headName(atLineStart: true) : .done
            case .headName(let atLineStart):
                if atLineStart && byte == UInt8(ascii: "\r") {
                    mode = .endOfHeads
                } else if byte == UInt8(ascii: ":") {
                    mode = .headValue
                } else if byte == UInt8(ascii: "\n") {
                    mode = .headName(atLineStart: true)
                } else if byte >= 0x80 {
                    return false
                } else {
                    mode = .headName(atLineStart: false)
                }
            case .headValue:
                if byte == UInt8(ascii: "\n") { mode = .headName(atLineStart: true) }
            case .endOfHeads:
                mode = .content
            case .done:
                return true
            }
        }
        return true
    }

    /// For each prefix of `pattern`, the length of its longest proper prefix that is also a suffix.
    private static func prefixTable(_ pattern: [UInt8]) -> [Int] {
        var table = [Int](repeating: 0, count: pattern.count)
        var length = 0
        for index in pattern.indices.dropFirst() {
            while length > 0 && pattern[index] != pattern[length] { length = table[length - 1] }
            if pattern[index] == pattern[length] { length += 1 }
            table[index] = length
        }
        return table
    }
}
