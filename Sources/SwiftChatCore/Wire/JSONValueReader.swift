/// Reads strict JSON (RFC 8259) into a `JSONValue` in one pass over the bytes, for the frames
/// clients send on a socket: Foundation's `JSONDecoder` into `JSONValue` tried every JSON type in
/// turn for each value, and a typing storm spent a tenth of the server's time there.
///
/// What it gives matches what the decoder gave, except where Python's `json` (the original's)
/// differs from it: an object's keys come out sorted; a repeated key keeps its last value; a
/// number without fraction or exponent that fits 64 bits is an `.int`, and so is a written-out
/// integral one (`1.0`, `1e2`); `NaN`, `Infinity`, a lone surrogate escape and numbers beyond
/// `Double` are refused. Nesting is bounded, so hostile input cannot exhaust the stack.
public enum JSONValueReader {
    /// Deepest nesting of arrays and objects accepted, as for request bodies.
    public static let maxDepth = 128

    public struct Failure: Error, Equatable {
        /// Byte offset of the first thing that is not JSON.
        public let offset: Int
        public let reason: String
    }

    public static func value(in bytes: [UInt8]) throws(Failure) -> JSONValue {
        var reader = Reader(bytes: bytes)
        reader.skipWhitespace()
        let value = try reader.value()
        reader.skipWhitespace()
        if reader.offset < bytes.count { throw Failure(offset: reader.offset, reason: "extra data after the value") }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0
        var depth = 0

        var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        func failure(_ reason: String) -> Failure { Failure(offset: offset, reason: reason) }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
        }

        mutating func value() throws(Failure) -> JSONValue {
            switch current ?? 0 {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: throw failure("expecting a value")
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            let matches = word.withUTF8Buffer { expected in
                offset + count <= bytes.count && bytes[offset..<offset + count].elementsEqual(expected)
            }
            guard matches else { throw failure("expecting a value") }
            offset += count
        }

        mutating func descend() throws(Failure) {
            depth += 1
            if depth > JSONValueReader.maxDepth { throw failure("nesting deeper than \(JSONValueReader.maxDepth) levels") }
        }

        mutating func object() throws(Failure) -> JSONValue {
            try descend()
            defer { depth -= 1 }
            offset += 1
            skipWhitespace()
            var members: [String: JSONValue] = [:]
            if current == UInt8(ascii: "}") {
                offset += 1
                return .object([])
            }
            while true {
                guard current == UInt8(ascii: "\"") else { throw failure("expecting a property name in double quotes") }
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw failure("expecting ':'") }
                offset += 1
                skipWhitespace()
                members[key] = try value()
                skipWhitespace()
                if current == UInt8(ascii: "}") {
                    offset += 1
                    return .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                }
                guard current == UInt8(ascii: ",") else { throw failure("expecting ',' or '}'") }
                offset += 1
                skipWhitespace()
            }
        }

        mutating func array() throws(Failure) -> JSONValue {
            try descend()
            defer { depth -= 1 }
            offset += 1
            skipWhitespace()
            var elements: [JSONValue] = []
            if current == UInt8(ascii: "]") {
                offset += 1
                return .array([])
            }
            while true {
                elements.append(try value())
                skipWhitespace()
                if current == UInt8(ascii: "]") {
                    offset += 1
                    return .array(elements)
                }
                guard current == UInt8(ascii: ",") else { throw failure("expecting ',' or ']'") }
                offset += 1
                skipWhitespace()
            }
        }

        /// A string from its opening quote; unescaped runs are copied whole.
        mutating func string() throws(Failure) -> String {
            let start = offset
            offset += 1
            var decoded: [UInt8] = []
            var runStart = offset
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    decoded.append(contentsOf: bytes[runStart..<offset])
                    offset += 1
                    guard let text = String(validating: decoded, as: UTF8.self) else {
                        throw Failure(offset: start, reason: "a string that is not UTF-8")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    decoded.append(contentsOf: bytes[runStart..<offset])
                    try escape(into: &decoded)
                    runStart = offset
                case 0..<0x20:
                    throw failure("a control character in a string")
                default:
                    offset += 1
                }
            }
            throw Failure(offset: start, reason: "an unterminated string")
        }

        /// One escape from its backslash, appended as UTF-8.
        mutating func escape(into decoded: inout [UInt8]) throws(Failure) {
            offset += 1
            guard let letter = current else { throw failure("an unterminated string") }
            offset += 1
            switch letter {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(letter)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hexQuad()
                if (0xD800..<0xDC00).contains(code) {
                    guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                        throw failure("a high surrogate without its low half")
                    }
                    offset += 2
                    let low = try hexQuad()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("a high surrogate without its low half") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw failure("a low surrogate without its high half")
                }
                guard let scalar = Unicode.Scalar(code) else { throw failure("an invalid \\u escape") }
                decoded.append(contentsOf: UTF8.encode(scalar)!)
            default:
                throw failure("an invalid escape")
            }
        }

        mutating func hexQuad() throws(Failure) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw failure("an invalid \\u escape") }
            var code: UInt32 = 0
            for byte in bytes[offset..<offset + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw failure("an invalid \\u escape")
                }
                code = code << 4 | UInt32(digit)
            }
            offset += 4
            return code
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, nothing looser.
        mutating func number() throws(Failure) -> JSONValue {
            let start = offset
            if current == UInt8(ascii: "-") { offset += 1 }
            guard let first = current, isDigit(first) else { throw failure("expecting a digit") }
            offset += 1
            if first != UInt8(ascii: "0") { skipDigits() }
            var integral = true
            if current == UInt8(ascii: ".") {
                integral = false
                offset += 1
                guard let digit = current, isDigit(digit) else { throw failure("expecting a digit after '.'") }
                skipDigits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                integral = false
                offset += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
                guard let digit = current, isDigit(digit) else { throw failure("expecting a digit in the exponent") }
                skipDigits()
            }
            let text = String(decoding: bytes[start..<offset], as: UTF8.self)
            if integral, let whole = Int64(text) { return .int(whole) }
            guard let real = Double(text), real.isFinite else { throw Failure(offset: start, reason: "a number beyond the range of a double") }
            // As the decoder did: an integral value within 64 bits reads as an integer.
            if real == real.rounded(), real >= -0x1p63, real < 0x1p63 { return .int(Int64(real)) }
            return .double(real)
        }

        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

        mutating func skipDigits() {
            while let byte = current, isDigit(byte) { offset += 1 }
        }
    }
}
