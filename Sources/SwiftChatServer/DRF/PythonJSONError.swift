/// The message Python's `json` module gives for malformed JSON, which DRF passes on as
/// `JSON parse error - <message>`: found by scanning to the first error, as Python's decoder
/// does. Also the strictness check: Foundation's decoder lets some things through (a trailing
/// comma) that Python refuses. Nesting is bounded: Python itself gives up (a 500 in the
/// original) and a recursive scan without a bound would overflow the stack.
enum PythonJSONError {
    /// Deepest nesting of arrays and objects accepted; real clients never come close.
    static let maxDepth = 128

    /// nil when Python would parse the text.
    static func problem(in bytes: [UInt8]) -> String? {
        var scanner = Scanner(bytes: bytes)
        do {
            scanner.skipWhitespace()
            try scanner.value()
            scanner.skipWhitespace()
            if scanner.offset < bytes.count { throw Failure(message: "Extra data", offset: scanner.offset) }
            return nil
        } catch let failure as Failure {
            return "\(failure.message): \(position(of: failure.offset, in: bytes))"
        } catch {
            return "Expecting value: line 1 column 1 (char 0)"
        }
    }

    private struct Failure: Error {
        let message: String
        let offset: Int
    }


    /// `line L column C (char N)`, counted in characters as Python does.
    private static func position(of offset: Int, in bytes: [UInt8]) -> String {
        let before = String(decoding: bytes[..<min(offset, bytes.count)], as: UTF8.self)
        let line = before.filter { $0 == "\n" }.count + 1
        let column = (before.split(separator: "\n", omittingEmptySubsequences: false).last?.count ?? 0) + 1
        return "line \(line) column \(column) (char \(before.count))"
    }

    private struct Scanner {
        let bytes: [UInt8]
        var offset = 0
        var depth = 0

        var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
        }

        mutating func value() throws {
            switch current ?? 0 {
            case UInt8(ascii: "{"): try object()
            case UInt8(ascii: "["): try array()
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): number()
            default:
                for literal in ["true", "false", "null", "NaN", "Infinity", "-Infinity"] where bytes[offset...].starts(with: literal.utf8) {
                    offset += literal.utf8.count
                    return
                }
                throw Failure(message: "Expecting value", offset: offset)
            }
        }

        /// Enters an array or object; refuses the one that goes past `maxDepth`.
        mutating func descend() throws {
            depth += 1
            if depth > PythonJSONError.maxDepth {
                throw Failure(message: "Nesting deeper than \(PythonJSONError.maxDepth) levels", offset: offset)
            }
        }

        mutating func object() throws {
            try descend()
            defer { depth -= 1 }
            offset += 1
            skipWhitespace()
            if current == UInt8(ascii: "}") { offset += 1; return }
            while true {
                guard current == UInt8(ascii: "\"") else {
                    throw Failure(message: "Expecting property name enclosed in double quotes", offset: offset)
                }
                try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw Failure(message: "Expecting ':' delimiter", offset: offset) }
                offset += 1
                skipWhitespace()
                try value()
                skipWhitespace()
                if current == UInt8(ascii: "}") { offset += 1; return }
                guard current == UInt8(ascii: ",") else { throw Failure(message: "Expecting ',' delimiter", offset: offset) }
                offset += 1
                skipWhitespace()
            }
        }

        mutating func array() throws {
            try descend()
            defer { depth -= 1 }
            offset += 1
            skipWhitespace()
            if current == UInt8(ascii: "]") { offset += 1; return }
            while true {
                try value()
                skipWhitespace()
                if current == UInt8(ascii: "]") { offset += 1; return }
                guard current == UInt8(ascii: ",") else { throw Failure(message: "Expecting ',' delimiter", offset: offset) }
                offset += 1
                skipWhitespace()
            }
        }

        mutating func string() throws {
            let start = offset
            offset += 1
            while let byte = current {
                offset += 1
                if byte == UInt8(ascii: "\"") { return }
                if byte == UInt8(ascii: "\\") { offset += 1 }
                if byte < 0x20 { throw Failure(message: "Invalid control character at", offset: offset - 1) }
            }
            throw Failure(message: "Unterminated string starting at", offset: start)
        }

        mutating func number() {
            while let byte = current, byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                offset += 1
            }
        }
    }
}
