import Foundation
import SwiftChatCore
import Testing

/// `ISOTimestamp` writes its digits by hand; these compare it with the `String(format:)` version it
/// replaced, which printed Python's `isoformat()` form.
@Suite struct ISOTimestampTests {
    private static func reference(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        if micros % 1_000_000 < 0 { seconds -= 1 }
        let fraction = micros - seconds * 1_000_000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let base = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        return fraction == 0 ? base + "Z" : base + String(format: ".%06dZ", Int(fraction))
    }

    @Test func knownInstants() {
        #expect(ISOTimestamp.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(ISOTimestamp.string(Date(timeIntervalSince1970: 1_795_534_898.533023)) == "2026-11-24T15:41:38.533023Z")
        #expect(ISOTimestamp.string(Date(timeIntervalSince1970: 0.000_001)) == "1970-01-01T00:00:00.000001Z")
        #expect(ISOTimestamp.string(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500000Z")
    }

    @Test func matchesTheFormattedVersionAcrossTheCalendar() {
        var seed: UInt64 = 0x5EED
        // A fixed sequence (no system randomness), from year 1 to year 12000, with and without fractions.
        for index in 0..<5_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = Double(Int64(seed >> 20) % 316_000_000_000) - 62_000_000_000
            let fraction = index % 3 == 0 ? 0 : Double(seed % 1_000_000) / 1_000_000
            let date = Date(timeIntervalSince1970: seconds + fraction)
            #expect(ISOTimestamp.string(date) == Self.reference(date), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func findsAttachmentsOnlyWhereTheEventNamesThem() {
        #expect(AttachmentLinkSigner.mentionsAttachments(#"{"message":{"attachments":[{"id":1}]}}"#))
        #expect(!AttachmentLinkSigner.mentionsAttachments(#"{"message":{"attachments":[]}}"#))
        #expect(!AttachmentLinkSigner.mentionsAttachments(#"{"message":{"text":"attachments"}}"#))
        #expect(!AttachmentLinkSigner.mentionsAttachments(""))
    }
}
