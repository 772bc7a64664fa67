import Foundation

/// Times as integer microseconds since 1970: the precision the API shows and both stores keep.
/// Every store converts through here, so a time reads back equal to what was written.
public enum Micros {
    public static func from(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
    public static func date(_ value: Int64) -> Date { Date(timeIntervalSince1970: Double(value) / 1_000_000) }
}
