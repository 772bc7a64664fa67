import Foundation

/// Storage keys, made by the server only: `a/<2 hex>/<32 hex>` (the first two digits spread
/// files over folders on disk). Nothing a client sends ever becomes part of a key.
public enum BlobKey {
    public static func make() -> String {
        let digits = Hex.string((0..<16).map { _ in UInt8.random(in: 0...255) })
        return "a/\(digits.prefix(2))/\(digits)"
    }

    /// The key of an attachment's thumbnail.
    public static func thumbnail(of key: String) -> String { key + ".thumb.jpg" }

    /// True for keys `make` and `thumbnail` produce: a guard for storages that map keys to paths.
    public static func isWellFormed(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "a", parts[1].count == 2 else { return false }
        let name = parts[2].hasSuffix(".thumb.jpg") ? parts[2].dropLast(".thumb.jpg".count) : parts[2]
        return name.count == 32 && name.hasPrefix(parts[1]) && name.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
