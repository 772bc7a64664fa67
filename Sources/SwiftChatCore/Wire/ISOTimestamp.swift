import Foundation

/// ISO-8601 in UTC with microseconds and `Z`, as Django REST framework writes datetimes:
/// `2026-11-24T15:41:38.533023Z`.
public enum ISOTimestamp {
    /// Digits are written by hand: every event a socket is sent carries one, and `String(format:)`
    /// was a tenth of a socket's delivery cost in the typing-storm profile.
    public static func string(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let seconds = micros.floorDivided(by: 1_000_000)
        let fraction = micros - seconds * 1_000_000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let year = Int(parts.tm_year) + 1900
        guard year >= 0 else {
            return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                          Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec)) + fractionText(fraction)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        append(year, width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        append(Int(parts.tm_mon) + 1, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        append(Int(parts.tm_mday), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        append(Int(parts.tm_hour), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(Int(parts.tm_min), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        append(Int(parts.tm_sec), width: 2, to: &bytes)
        // Python's isoformat() leaves the fraction out when it is zero.
        if fraction != 0 {
            bytes.append(UInt8(ascii: "."))
            append(Int(fraction), width: 6, to: &bytes)
        }
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func fractionText(_ fraction: Int64) -> String {
        fraction == 0 ? "Z" : String(format: ".%06dZ", Int(fraction))
    }

    /// `value` (not negative) in decimal, zero-padded to at least `width` digits, as `%0*d` would.
    private static func append(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        if digits.count < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count)) }
        bytes.append(contentsOf: digits.reversed())
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
