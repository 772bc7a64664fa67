import Foundation

/// What `GET /api/core/user/` narrows its list to. Every part given must hold.
public struct UserFilter: Sendable, Equatable {
    /// Lowercased words, each the start of the first name, the last name or the email.
    public var prefixes: [String] = []
    /// Stored numbers (E.164) a phone search or `phone_number=` may mean: as written, or within
    /// the caller's own country when written without a country code.
    public var phoneNumbers: [String]?
    /// Case-insensitive, the whole field.
    public var firstName: String?
    public var email: String?
    /// An accepted interest with the caller, or none.
    public var isFriend: Bool?
    /// The account's flags (the admin site's filters).
    public var isActive: Bool?
    public var isStaff: Bool?
    /// With privacy on, non-contacts are found by their whole email only, never a part of it.
    /// Whoever chose to be unsearchable by phone is found by phone by their contacts only, either way.
    public var privacy: Bool
    /// The admin site's view: everyone, the viewer included, whatever they chose about being
    /// found by phone (staff look after accounts; they are not other users).
    public var staffView = false

    public init(privacy: Bool) {
        self.privacy = privacy
    }

    /// What the admin site lists: every user matching its own filters.
    public static var staff: UserFilter {
        var filter = UserFilter(privacy: false)
        filter.staffView = true
        return filter
    }

    /// The stored forms `text` may stand for as a phone number, or nil when it does not read as
    /// one (digits with spaces, dashes, dots, brackets and an optional leading plus, 6 digits or more).
    public static func phoneNumbers(in text: String, callerNumber: String) -> [String]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || " -.()+".contains($0)) }),
              trimmed.dropFirst().allSatisfy({ $0 != "+" })
        else { return nil }
        let digits = trimmed.filter(\.isNumber)
        guard (6...17).contains(digits.count) else { return nil }
        if trimmed.hasPrefix("+") { return ["+" + digits] }
        var numbers = ["+" + digits]
        if let code = PhoneNumber.callingCode(ofE164: callerNumber) {
            // A national number may be written with its trunk prefix (0 in most countries).
            let national = digits.hasPrefix("0") ? String(digits.drop { $0 == "0" }) : digits
            numbers.append("+" + code + national)
        }
        return numbers
    }
}
