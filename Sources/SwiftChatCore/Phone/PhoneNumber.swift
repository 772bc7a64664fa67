import Foundation

/// A phone number that Google's libphonenumber considers valid, normalised to E.164.
///
/// Accepts exactly what `phonenumbers.parse(text, None)` followed by
/// `phonenumbers.is_valid_number` accepts (the rules of the original app):
/// the number must be written internationally, with a leading `+` and the
/// country calling code; spaces and the usual punctuation are allowed
/// (`"+91 98123 00003"`), and there is no default region, so `"98123 00003"`
/// is rejected. The stored form is `format_number(n, PhoneNumberFormat.E164)`.
///
/// Being libphonenumber's parser, it is lenient in the same ways: text before
/// the number is skipped (`"Tel: +44 20 7946 0000"`), an extension is dropped
/// (`"... ext. 12"`), a national prefix after the code is removed
/// (`"+44 (0) 20 7946 0000"` is `+442079460000`), non-ASCII digits are read,
/// vanity letters become digits (`"+1 800 FLOWERS"`), and RFC 3966 `tel:`
/// URIs are understood.
///
/// The country data comes from PhoneMetadata.generated.swift, which
/// scripts/generate_phone_metadata.py generates from the `phonenumbers` package.
public struct PhoneNumber: Hashable, Sendable, CustomStringConvertible {
    /// The number in E.164 form, e.g. `"+917809772989"`.
    public let e164: String

    /// Parses and validates `text`; nil when libphonenumber would reject it.
    public init?(parsing text: String) {
        guard let e164 = PhoneNumberParser(metadata: .shared).e164(parsing: text) else { return nil }
        self.e164 = e164
    }

    public var description: String { e164 }

    /// The country calling code of a stored E.164 number (`"91"` for `"+917809772989"`).
    public static func callingCode(ofE164 e164: String) -> String? {
        guard e164.hasPrefix("+") else { return nil }
        return PhoneNumberParser(metadata: .shared).extractCountryCode(String(e164.dropFirst())).map { String($0.0) }
    }
}

/// A port of the parts of libphonenumber's `phonenumberutil` used by
/// `parse(number, region=None)`, `is_valid_number` and E.164 formatting.
/// Function names refer to the Python implementation.
struct PhoneNumberParser: Sendable {
    let metadata: PhoneMetadataStore

    private typealias Scalars = [Unicode.Scalar]

    /// The E.164 form of `text`, or nil when parsing fails or the number is not valid.
    func e164(parsing text: String) -> String? {
        let md = metadata
        let input = Array(text.unicodeScalars)
        if input.count > md.maxInputStringLength { return nil }

        // _build_national_number_for_parsing
        guard var number = buildNationalNumberForParsing(input) else { return nil }
        guard isViablePhoneNumber(number) else { return nil }
        // With no default region the number has to start with a plus sign.
        guard let first = number.first, md.plusChars.contains(first) else { return nil }

        // _maybe_strip_extension (the extension is not part of E.164).
        number = strippingExtension(number)

        // _maybe_extract_country_code / _maybe_strip_i18n_prefix_and_normalize
        let afterPlus = number.drop(while: { md.plusChars.contains($0) })
        let fullNumber = normalize(Array(afterPlus))
        if fullNumber.utf8.count <= md.minLengthForNSN { return nil }
        guard let (countryCode, territories, rest) = extractCountryCode(fullNumber) else { return nil }
        var nationalNumber = rest

        if nationalNumber.utf8.count < md.minLengthForNSN { return nil }
        // National prefix (and carrier code) stripping with the main country's rules.
        if let main = territories.first {
            let compiled = main.compiled
            let potential = strippingNationalPrefix(nationalNumber, compiled)
            switch testNumberLength(potential, compiled.general) {
            case .tooShort, .isPossibleLocalOnly, .invalidLength:
                break
            case .isPossible, .tooLong:
                nationalNumber = potential
            }
        }
        let length = nationalNumber.utf8.count
        if length < md.minLengthForNSN || length > md.maxLengthForNSN { return nil }

        // is_valid_number: region_code_for_number, then the number type.
        guard let territory = territory(for: nationalNumber, among: territories),
              isKnownType(nationalNumber, territory.compiled)
        else { return nil }
        // The national significant number keeps its leading zeros (Italian
        // leading zero handling gives back exactly the parsed digits).
        return "+\(countryCode)\(nationalNumber)"
    }

    // MARK: Extraction of the number from the text

    private func buildNationalNumberForParsing(_ number: Scalars) -> Scalars? {
        var national: Scalars
        if let contextIndex = number.firstIndex(of: Array(";phone-context=".unicodeScalars)) {
            // _extract_phone_context
            let start = contextIndex + ";phone-context=".unicodeScalars.count
            guard start < number.count else { return nil }  // empty phone-context
            let end = number[start...].firstIndex(of: ";") ?? number.count
            let context = Array(number[start..<end])
            // _is_phone_context_valid
            guard !context.isEmpty, context.allSatisfy(isAssigned) else { return nil }
            let contextString = string(context)
            guard metadata.rfc3966GlobalNumberDigits.matches(contextString)
                || metadata.rfc3966DomainName.matches(contextString)
            else { return nil }
            national = context.first == "+" ? context : []
            var nationalStart = 0
            if let tel = number.firstIndex(of: Array("tel:".unicodeScalars)) {
                nationalStart = tel + "tel:".unicodeScalars.count
            }
            if nationalStart < contextIndex {
                national += number[nationalStart..<contextIndex]
            }
        } else {
            national = extractPossibleNumber(number)
        }
        if let isdn = national.firstIndex(of: Array(";isub=".unicodeScalars)), isdn > 0 {
            national = Array(national[..<isdn])
        }
        return national
    }

    /// _extract_possible_number
    private func extractPossibleNumber(_ number: Scalars) -> Scalars {
        guard let start = number.firstIndex(where: { metadata.plusChars.contains($0) || isDecimalDigit($0) })
        else { return [] }
        var result = Array(number[start...])
        // _UNWANTED_END_CHAR_PATTERN: trailing characters that are '_' or
        // neither '#' nor a Python "word" character.
        while let last = result.last, isUnwantedEndCharacter(last) {
            result.removeLast()
        }
        // _SECOND_NUMBER_START_PATTERN: [\\/] *x
        var index = 0
        while index < result.count {
            if result[index] == "\\" || result[index] == "/" {
                var next = index + 1
                while next < result.count && result[next] == " " { next += 1 }
                if next < result.count && result[next] == "x" {
                    result.removeSubrange(index...)
                    break
                }
            }
            index += 1
        }
        return result
    }

    /// _is_viable_phone_number
    private func isViablePhoneNumber(_ number: Scalars) -> Bool {
        if number.count < metadata.minLengthForNSN { return false }
        // No character class of the expression holds an unassigned code point.
        if number.contains(where: { !isAssigned($0) }) { return false }
        return metadata.validPhoneNumber.matches(caseInsensitiveSubject(number))
    }

    /// _maybe_strip_extension: the number without a trailing extension.
    private func strippingExtension(_ number: Scalars) -> Scalars {
        let text = caseInsensitiveSubject(number)
        guard let match = metadata.extensionPattern.firstMatch(in: text) else { return number }
        let start = scalarOffset(ofUTF16Offset: match.range.location, in: number)
        let before = Array(number[..<start])
        // Only an extension if what precedes it is itself viable.
        return isViablePhoneNumber(before) ? before : number
    }

    // MARK: Normalisation

    /// _normalize: vanity numbers (three or more ASCII letters) have their
    /// letters turned into keypad digits; otherwise all decimal digits are
    /// kept (converted to ASCII) and everything else is dropped.
    private func normalize(_ number: Scalars) -> String {
        var digits = ""
        digits.reserveCapacity(number.count)
        if isVanityNumber(number) {
            // _normalize_helper(number, _ALPHA_PHONE_MAPPINGS, True)
            for scalar in number {
                if scalar.isASCII && ("0"..."9").contains(scalar) {
                    digits.unicodeScalars.append(scalar)
                    continue
                }
                let upper = String(scalar).uppercased().unicodeScalars
                if upper.count == 1, let key = upper.first, let digit = metadata.alphaMappings[key] {
                    digits.unicodeScalars.append(digit)
                }
            }
        } else {
            // normalize_digits_only (unicodedata.digit)
            for scalar in number {
                if let value = digitValue(scalar) {
                    digits.unicodeScalars.append(Unicode.Scalar(UInt8(48 + value)))
                }
            }
        }
        return digits
    }

    /// _VALID_ALPHA_PHONE_PATTERN: `(?:.*?[A-Za-z]){3}.*` as a full match
    /// (`.` does not match a newline).
    private func isVanityNumber(_ number: Scalars) -> Bool {
        var letters = 0
        for scalar in number {
            if scalar == "\n" { return false }
            if ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) { letters += 1 }
        }
        return letters >= 3
    }

    // MARK: Country calling code

    /// _extract_country_code: codes are 1-3 digits, never start with 0 and
    /// are prefix-free.
    func extractCountryCode(_ number: String) -> (Int, [PhoneTerritory], String)? {
        let digits = Array(number.utf8)
        guard let first = digits.first, first != UInt8(ascii: "0") else { return nil }
        var code = 0
        for length in 1...min(digits.count, metadata.maxLengthCountryCode) {
            code = code * 10 + Int(digits[length - 1] - UInt8(ascii: "0"))
            if let territories = metadata.territoriesByCode[code] {
                return (code, territories, String(decoding: digits[length...], as: UTF8.self))
            }
        }
        return nil
    }

    // MARK: National prefix

    /// _maybe_strip_national_prefix_carrier_code: the number without the
    /// national prefix (and carrier code), or unchanged.
    private func strippingNationalPrefix(_ number: String, _ territory: CompiledPhoneTerritory) -> String {
        guard !number.isEmpty, let prefix = territory.nationalPrefixForParsing,
              let match = prefix.firstMatch(in: number)
        else { return number }
        let utf16 = Array(number.utf16)
        let general = territory.general
        let originalIsViable = general?.matchesPattern(number) ?? false
        let groups = match.numberOfRanges - 1
        let lastGroupMatched = groups > 0 && match.range(at: groups).location != NSNotFound
        let end = match.range.location + match.range.length
        let remainder = String(decoding: utf16[end...], as: UTF16.self)

        guard let rule = territory.nationalPrefixTransformRule, lastGroupMatched else {
            if originalIsViable && !(general?.matchesPattern(remainder) ?? false) { return number }
            return remainder
        }
        // re.sub(prefix, rule, number, count=1): the match is at the start.
        var transformed = ""
        var ruleScalars = rule.unicodeScalars.makeIterator()
        while let scalar = ruleScalars.next() {
            if scalar == "\\", let ref = ruleScalars.next(), let group = digitValue(ref) {
                if group <= groups {
                    let range = match.range(at: group)
                    if range.location != NSNotFound {
                        transformed += String(decoding: utf16[range.location..<(range.location + range.length)],
                                              as: UTF16.self)
                    }
                }
            } else {
                transformed.unicodeScalars.append(scalar)
            }
        }
        transformed += remainder
        if originalIsViable && !(general?.matchesPattern(transformed) ?? false) { return number }
        return transformed
    }

    private enum LengthResult {
        case isPossible, isPossibleLocalOnly, tooShort, invalidLength, tooLong
    }

    /// _test_number_length(number, metadata) for the general description.
    private func testNumberLength(_ number: String, _ general: PhoneDesc?) -> LengthResult {
        guard let general, let minimum = general.possibleLengths.first,
              let maximum = general.possibleLengths.last
        else { return .invalidLength }
        let length = number.utf8.count
        if general.localOnlyLengths.contains(length) { return .isPossibleLocalOnly }
        if minimum == length { return .isPossible }
        if minimum > length { return .tooShort }
        if maximum < length { return .tooLong }
        return general.possibleLengths.dropFirst().contains(length) ? .isPossible : .invalidLength
    }

    // MARK: Validity

    /// region_code_for_number: the territory a national number belongs to.
    private func territory(for nsn: String, among territories: [PhoneTerritory]) -> PhoneTerritory? {
        if territories.count == 1 { return territories[0] }
        for territory in territories {
            let compiled = territory.compiled
            if let leadingDigits = compiled.leadingDigits {
                if leadingDigits.matches(nsn) { return territory }
            } else if isKnownType(nsn, compiled) {
                return territory
            }
        }
        return nil
    }

    /// _number_type_helper(nsn, metadata) != UNKNOWN
    private func isKnownType(_ nsn: String, _ territory: CompiledPhoneTerritory) -> Bool {
        guard let general = territory.general, general.matches(nsn) else { return false }
        return territory.types.contains { $0.matches(nsn) }
    }

    // MARK: Characters

    /// Whether the code point is assigned in the Unicode version phonenumbers
    /// ran with (Swift's and ICU's Unicode data may be newer than Python's).
    private func isAssigned(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return true }
        guard let age = scalar.properties.age else { return false }
        let version = metadata.unicodeVersion
        return age.major < version.major || (age.major == version.major && age.minor <= version.minor)
    }

    /// `\d` in Python's and ICU's regular expressions: Unicode category Nd.
    private func isDecimalDigit(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return ("0"..."9").contains(scalar) }
        return isAssigned(scalar) && scalar.properties.generalCategory == .decimalNumber
    }

    /// unicodedata.digit(c): the value of decimal and digit characters.
    private func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        if scalar.isASCII {
            return ("0"..."9").contains(scalar) ? Int(scalar.value - 48) : nil
        }
        guard isAssigned(scalar) else { return nil }
        let properties = scalar.properties
        guard properties.numericType == .decimal || properties.numericType == .digit,
              let value = properties.numericValue, value >= 0, value <= 9
        else { return nil }
        return Int(value)
    }

    /// `_|[^#\w]` with Python's Unicode `\w` (str.isalnum() or '_').
    private func isUnwantedEndCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "#" { return false }
        if scalar == "_" || !isAssigned(scalar) { return true }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return false
        default:
            return properties.numericType == nil
        }
    }

    // MARK: Helpers

    private func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars)
        return result
    }

    /// The text to run a case-insensitive expression on. Python's `re`
    /// (IGNORECASE) takes U+0130 (İ) and U+0131 (ı) for case variants of
    /// "i"; ICU's case folding does not. Both are one UTF-16 unit, like "i",
    /// so match offsets stay the same.
    private func caseInsensitiveSubject(_ scalars: Scalars) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(scalars.count)
        for scalar in scalars {
            result.unicodeScalars.append(scalar == "\u{130}" || scalar == "\u{131}" ? "i" : scalar)
        }
        return result
    }

    /// The index in `scalars` of the scalar starting at a UTF-16 offset.
    private func scalarOffset(ofUTF16Offset offset: Int, in scalars: Scalars) -> Int {
        var utf16 = 0
        for (index, scalar) in scalars.enumerated() {
            if utf16 >= offset { return index }
            utf16 += scalar.value > 0xFFFF ? 2 : 1
        }
        return scalars.count
    }
}

private extension Array where Element == Unicode.Scalar {
    /// The index where `needle` first occurs (Python `str.find`).
    func firstIndex(of needle: [Unicode.Scalar]) -> Int? {
        guard !needle.isEmpty, needle.count <= count else { return nil }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}
