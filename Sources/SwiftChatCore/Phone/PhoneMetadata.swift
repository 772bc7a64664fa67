import Foundation

// Runtime form of the libphonenumber metadata in PhoneMetadata.generated.swift.
//
// The JSON is decoded once, on first use. Each territory's expressions are
// compiled the first time a number needs them and kept for the life of the
// process; all of this is safe to use from any number of threads.

// MARK: - Decoded JSON

/// `PhoneNumberDesc`: a national number pattern and the possible lengths.
struct PhoneDescData: Decodable, Sendable {
    /// `national_number_pattern`
    let p: String?
    /// `possible_length`
    let l: [Int]
    /// `possible_length_local_only`
    let o: [Int]?
}

/// `PhoneMetadata` of one region (or of one non-geographical entity, id "001").
struct PhoneTerritoryData: Decodable, Sendable {
    let id: String
    let cc: Int
    let main: Bool
    /// `leading_digits`
    let ld: String?
    /// `national_prefix_for_parsing`
    let npp: String?
    /// `national_prefix_transform_rule` (Python syntax: digits and `\1`)
    let npt: String?
    /// `general_desc`
    let g: PhoneDescData?
    /// The number types (fixed line, mobile, toll free, ...).
    let t: [String: PhoneDescData]
}

struct PhoneMetadataFile: Decodable, Sendable {
    struct CallingCode: Decodable, Sendable {
        let cc: Int
        let regions: [String]

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            cc = try container.decode(Int.self)
            regions = try container.decode([String].self)
        }
    }

    let version: String
    let minNSN: Int
    let maxNSN: Int
    let maxCC: Int
    let maxInput: Int
    let plusChars: String
    let unicodeVersion: String
    let alpha: String
    let alphaDigits: String
    let validPhone: String
    let `extension`: String
    let rfcGlobal: String
    let rfcDomain: String
    let codes: [CallingCode]
    let territories: [PhoneTerritoryData]
}

// MARK: - Regular expressions

/// An ICU regular expression (NSRegularExpression is immutable and thread-safe).
struct PhoneRegex: @unchecked Sendable {
    private let regex: NSRegularExpression?

    enum Mode {
        /// The pattern must match the whole input (Python `fullmatch`).
        case whole
        /// The pattern must match at the start of the input (Python `match`).
        case prefix
        /// The pattern may match anywhere (Python `search`).
        case anywhere
    }

    private let mode: Mode

    init(_ pattern: String, mode: Mode, caseInsensitive: Bool = false) {
        self.mode = mode
        let source = mode == .whole ? "(?:\(pattern))\\z" : pattern
        var options: NSRegularExpression.Options = []
        if caseInsensitive { options.insert(.caseInsensitive) }
        self.regex = try? NSRegularExpression(pattern: source, options: options)
    }

    /// False when ICU could not compile the pattern (checked by the tests);
    /// such a pattern never matches.
    var isUsable: Bool { regex != nil }

    var numberOfCaptureGroups: Int { regex?.numberOfCaptureGroups ?? 0 }

    func firstMatch(in string: String) -> NSTextCheckingResult? {
        guard let regex else { return nil }
        let options: NSRegularExpression.MatchingOptions = mode == .anywhere ? [] : [.anchored]
        return regex.firstMatch(in: string, options: options,
                                range: NSRange(location: 0, length: string.utf16.count))
    }

    func matches(_ string: String) -> Bool {
        firstMatch(in: string) != nil
    }
}

// MARK: - Compiled metadata

struct PhoneDesc: Sendable {
    let pattern: PhoneRegex?
    let possibleLengths: [Int]
    let localOnlyLengths: [Int]

    init(_ data: PhoneDescData) {
        pattern = data.p.flatMap { $0.isEmpty ? nil : PhoneRegex($0, mode: .whole) }
        possibleLengths = data.l
        localOnlyLengths = data.o ?? []
    }

    /// libphonenumber `_match_national_number(number, desc, False)`.
    func matchesPattern(_ nsn: String) -> Bool {
        pattern?.matches(nsn) ?? false
    }

    /// libphonenumber `_is_number_matching_desc`.
    func matches(_ nsn: String) -> Bool {
        let length = nsn.utf8.count
        if !possibleLengths.isEmpty && !possibleLengths.contains(length) { return false }
        return matchesPattern(nsn)
    }
}

/// The expressions of one territory, compiled together on first use.
struct CompiledPhoneTerritory: Sendable {
    let leadingDigits: PhoneRegex?
    let nationalPrefixForParsing: PhoneRegex?
    let nationalPrefixTransformRule: String?
    let general: PhoneDesc?
    let types: [PhoneDesc]

    init(_ data: PhoneTerritoryData) {
        leadingDigits = data.ld.map { PhoneRegex($0, mode: .prefix) }
        nationalPrefixForParsing = data.npp.flatMap { $0.isEmpty ? nil : PhoneRegex($0, mode: .prefix) }
        nationalPrefixTransformRule = data.npt.flatMap { $0.isEmpty ? nil : $0 }
        general = data.g.map(PhoneDesc.init)
        // Most numbers are fixed line or mobile: try those first.
        let order = ["fixedLine", "mobile", "tollFree", "premiumRate", "sharedCost",
                     "personalNumber", "voip", "pager", "uan", "voicemail"]
        var types = order.compactMap { data.t[$0].map(PhoneDesc.init) }
        for (key, value) in data.t.sorted(by: { $0.key < $1.key }) where !order.contains(key) {
            types.append(PhoneDesc(value))
        }
        self.types = types
    }

    var allRegexes: [PhoneRegex] {
        var all = [leadingDigits, nationalPrefixForParsing, general?.pattern].compactMap { $0 }
        all += types.compactMap(\.pattern)
        return all
    }
}

final class PhoneTerritory: @unchecked Sendable {
    let data: PhoneTerritoryData
    // Guards `cached`; held only for the (one-time) compilation.
    private let lock = NSLock()
    private var cached: CompiledPhoneTerritory?

    init(_ data: PhoneTerritoryData) {
        self.data = data
    }

    var id: String { data.id }
    var countryCode: Int { data.cc }

    var compiled: CompiledPhoneTerritory {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        let made = CompiledPhoneTerritory(data)
        cached = made
        return made
    }
}

final class PhoneMetadataStore: Sendable {
    static let shared: PhoneMetadataStore = {
        do {
            let file = try JSONDecoder().decode(PhoneMetadataFile.self,
                                                from: Data(GeneratedPhoneMetadata.json.utf8))
            return PhoneMetadataStore(file)
        } catch {
            fatalError("PhoneMetadata.generated.swift does not decode: \(error)")
        }
    }()

    let version: String
    let minLengthForNSN: Int
    let maxLengthForNSN: Int
    let maxLengthCountryCode: Int
    let maxInputStringLength: Int
    let plusChars: Set<Unicode.Scalar>
    /// The Unicode version of the Python that generated the vectors: code
    /// points assigned later are unassigned (category Cn) for phonenumbers.
    let unicodeVersion: (major: Int, minor: Int)
    /// Keypad letter -> digit (upper-case ASCII letters).
    let alphaMappings: [Unicode.Scalar: Unicode.Scalar]
    /// `_VALID_PHONE_NUMBER_PATTERN` (case-insensitive, whole input).
    let validPhoneNumber: PhoneRegex
    /// `_EXTN_PATTERN` (case-insensitive, searched).
    let extensionPattern: PhoneRegex
    let rfc3966GlobalNumberDigits: PhoneRegex
    let rfc3966DomainName: PhoneRegex
    /// Calling code -> its territories, main country first (the order of
    /// `COUNTRY_CODE_TO_REGION_CODE`).
    let territoriesByCode: [Int: [PhoneTerritory]]

    init(_ file: PhoneMetadataFile) {
        version = file.version
        minLengthForNSN = file.minNSN
        maxLengthForNSN = file.maxNSN
        maxLengthCountryCode = file.maxCC
        maxInputStringLength = file.maxInput
        plusChars = Set(file.plusChars.unicodeScalars)
        let version = file.unicodeVersion.split(separator: ".").compactMap { Int($0) }
        unicodeVersion = (version.first ?? 0, version.count > 1 ? version[1] : 0)
        alphaMappings = Dictionary(uniqueKeysWithValues: zip(file.alpha.unicodeScalars,
                                                             file.alphaDigits.unicodeScalars))
        validPhoneNumber = PhoneRegex(file.validPhone, mode: .whole, caseInsensitive: true)
        extensionPattern = PhoneRegex(file.extension, mode: .anywhere, caseInsensitive: true)
        rfc3966GlobalNumberDigits = PhoneRegex(file.rfcGlobal, mode: .whole)
        rfc3966DomainName = PhoneRegex(file.rfcDomain, mode: .whole)

        var byKey: [String: PhoneTerritory] = [:]
        for data in file.territories {
            byKey["\(data.cc)/\(data.id)"] = PhoneTerritory(data)
        }
        var byCode: [Int: [PhoneTerritory]] = [:]
        for code in file.codes {
            byCode[code.cc] = code.regions.compactMap { byKey["\(code.cc)/\($0)"] }
        }
        territoriesByCode = byCode
    }

    /// Every regular expression, compiled (for tests): the ids of territories
    /// with a pattern ICU cannot compile, and whether the parser's own
    /// expressions compile.
    func compileAll() -> (unusableTerritories: [String], parserExpressionsUsable: Bool) {
        var bad: [String] = []
        for (cc, territories) in territoriesByCode.sorted(by: { $0.key < $1.key }) {
            for territory in territories where territory.compiled.allRegexes.contains(where: { !$0.isUsable }) {
                bad.append("+\(cc) \(territory.id)")
            }
        }
        let ok = [validPhoneNumber, extensionPattern, rfc3966GlobalNumberDigits, rfc3966DomainName]
            .allSatisfy(\.isUsable)
        return (bad, ok)
    }
}
