import Foundation
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// The socket frame reader: strict JSON, the values the decoder gave, bounded nesting.
@Suite("JSON value reader")
struct JSONValueReaderTests {
    static func read(_ text: String) -> JSONValue? { try? JSONValueReader.value(in: Array(text.utf8)) }

    /// What frames were read with before: Python's strictness, then Foundation's decoder.
    static func readTheOldWay(_ text: String) -> JSONValue? {
        let bytes = Array(text.utf8)
        guard PythonJSONError.problem(in: bytes) == nil else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    @Test("values, escapes and numbers read as the decoder read them")
    func accepted() {
        let cases: [(String, JSONValue)] = [
            (#"{"stream":"chat_stream","payload":{"action":"typing","conversation":12}}"#,
             .object([("payload", .object([("action", .string("typing")), ("conversation", .int(12))])), ("stream", .string("chat_stream"))])),
            (" [true, false, null] \r\n", .array([.bool(true), .bool(false), .null])),
            ("[0, -0, 1.0, 1e2, -12, 1.5, 2.5E-3, 9223372036854775807, 9223372036854775808]",
             .array([.int(0), .int(0), .int(1), .int(100), .int(-12), .double(1.5), .double(0.0025), .int(Int64.max), .double(9223372036854775808)])),
            (#""a\"b\\c\/d\b\f\n\r\t""#, .string("a\"b\\c/d\u{08}\u{0C}\n\r\t")),
            (#""\u00e9\u20AC\ud83d\ude00 é€😀""#, .string("é€😀 é€😀")),
            (#"{"b":1,"a":{},"c":[]}"#, .object([("a", .object([])), ("b", .int(1)), ("c", .array([]))])),
            (#"{"a":1,"a":2}"#, .object([("a", .int(2))])),
        ]
        for (text, expected) in cases {
            #expect(Self.read(text) == expected, "\(text)")
        }
    }

    @Test("anything looser than RFC 8259 is refused", arguments: [
        "", " ", "[1,]", "{\"a\":1,}", "[01]", "[1.]", "[.5]", "[1e]", "[+1]", "[-]", "[NaN]", "[Infinity]", "[-Infinity]",
        "[1E400]", "{a:1}", "{'a':1}", "[\"\\x\"]", "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"\\u12\"]",
        "[\"tab\there\"]", "[\"open]", "[1] [2]", "[tru]", "nul", "{\"a\" 1}", "[1 2]", "{\"a\":1 \"b\":2}", "\u{FEFF}[]",
    ])
    func refused(text: String) {
        #expect(Self.read(text) == nil)
    }

    @Test("nesting: 128 levels read, 129 refused, and a deep attack ends without recursion to its end")
    func depth() {
        #expect(Self.read(String(repeating: "[", count: 128) + String(repeating: "]", count: 128)) != nil)
        #expect(Self.read(String(repeating: "[", count: 129) + String(repeating: "]", count: 129)) == nil)
        #expect(Self.read(String(repeating: "{\"a\":", count: 129) + "1" + String(repeating: "}", count: 129)) == nil)
        let attack = Array(String(repeating: "[", count: 1_000_000).utf8)
        #expect(throws: JSONValueReader.Failure.self) { try JSONValueReader.value(in: attack) }
    }

    @Test("2,000 generated frames read the same as the old way, and written out read back the same")
    func sameAsBefore() {
        var random = SplitMix64(seed: 18)
        for _ in 0..<2000 {
            let value = Self.generated(&random, depth: 0)
            let text = value.serialized(random.next() % 2 == 0 ? .compact : .python)
            let read = Self.read(text)
            #expect(read != nil, "\(text)")
            #expect(read == Self.readTheOldWay(text), "\(text)")
            #expect(read.map { Self.read($0.serialized) } == read, "\(text)")
        }
    }

    /// A random value with sorted distinct keys (as both readers give them) and every kind of string.
    static func generated(_ random: inout SplitMix64, depth: Int) -> JSONValue {
        switch random.next() % (depth < 4 ? 8 : 6) {
        case 0: return .null
        case 1: return .bool(random.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: random.next()) >> (random.next() % 64))
        case 3:
            let real = (random.unit() - 0.5) * pow(10, Double(Int(random.next() % 40) - 20))
            return real == real.rounded() ? .int(Int64(real)) : .double(real)
        case 4, 5: return .string(generatedText(&random))
        case 6: return .array((0..<random.next() % 5).map { _ in generated(&random, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<random.next() % 5 { members[generatedText(&random)] = generated(&random, depth: depth + 1) }
            return .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
    }

    static func generatedText(_ random: inout SplitMix64) -> String {
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "é", "€", "\u{2028}", "😀", "中", "\u{7F}"]
        var text = String.UnicodeScalarView()
        for _ in 0..<random.next() % 12 { text.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
        return String(text)
    }
}
