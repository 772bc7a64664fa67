import Foundation

/// The leading bytes of a file with reads that can never go out of bounds: every accessor
/// answers nil (or false) for an offset outside the bytes, however large or negative.
struct SniffBytes {
    let bytes: [UInt8]
    /// True when the bytes may stop before the end of the file, so a sequence cut at the end
    /// is not proof of damage.
    let mayBeTruncated: Bool

    init(_ bytes: [UInt8], mayBeTruncated: Bool) {
        self.bytes = bytes
        self.mayBeTruncated = mayBeTruncated
    }

    var count: Int { bytes.count }

    /// True when `length` bytes starting at `offset` lie inside.
    func contains(_ offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= bytes.count && length <= bytes.count - offset
    }

    subscript(_ offset: Int) -> UInt8? {
        contains(offset, length: 1) ? bytes[offset] : nil
    }

    func u16be(_ offset: Int) -> Int? {
        guard contains(offset, length: 2) else { return nil }
        return Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
    }

    func u16le(_ offset: Int) -> Int? {
        guard contains(offset, length: 2) else { return nil }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    func u24le(_ offset: Int) -> Int? {
        guard contains(offset, length: 3) else { return nil }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16
    }

    func u32be(_ offset: Int) -> Int? {
        guard contains(offset, length: 4) else { return nil }
        return (0..<4).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
    }

    func u32le(_ offset: Int) -> Int? {
        guard contains(offset, length: 4) else { return nil }
        return (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
    }

    func u64be(_ offset: Int) -> UInt64? {
        guard contains(offset, length: 8) else { return nil }
        return (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[offset + $1]) }
    }

    func has(_ pattern: [UInt8], at offset: Int) -> Bool {
        guard contains(offset, length: pattern.count) else { return false }
        for (index, byte) in pattern.enumerated() where bytes[offset + index] != byte { return false }
        return true
    }

    func has(_ text: StaticString, at offset: Int) -> Bool {
        text.withUTF8Buffer { has(Array($0), at: offset) }
    }

    /// The four bytes at `offset` as text (a box type, a brand, a chunk name), nil unless printable ASCII.
    func fourCC(_ offset: Int) -> String? {
        guard contains(offset, length: 4) else { return nil }
        let slice = bytes[offset..<offset + 4]
        guard slice.allSatisfy({ (0x20...0x7E).contains($0) }) else { return nil }
        return String(decoding: slice, as: UTF8.self)
    }

    /// The first place at or after `start`, and before `end`, where `pattern` begins. Linear in
    /// the distance searched: patterns are a few bytes long.
    func firstIndex(of pattern: [UInt8], from start: Int = 0, before end: Int = .max) -> Int? {
        guard let first = pattern.first else { return nil }
        let limit = min(end, bytes.count) - pattern.count
        var index = max(start, 0)
        while index <= limit {
            if bytes[index] == first, has(pattern, at: index) { return index }
            index += 1
        }
        return nil
    }
}
