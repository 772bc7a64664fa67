import Configuration
import Foundation

/// Looks a setting up through swift-configuration, one provider per source, in the documented
/// precedence: flag, environment, `.env`, default. The flags (named in `SettingsTable`, not after
/// the keys) and `.env` (quotes, `export` and comments, which the library's own `.env` reading
/// does not take) are parsed here and handed over as in-memory providers.
struct SettingSources {
    private let reader: ConfigReader

    init(flags: [String: String], environment: [String: String], envFile: [String: String]) {
        let defaults = Dictionary(SettingsTable.all.compactMap { spec in spec.defaultValue.map { (spec.name, $0) } }) { first, _ in first }
        reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: Self.values(flags)),
            EnvironmentVariablesProvider(environmentVariables: environment),
            InMemoryProvider(name: ".env", values: Self.values(envFile)),
            InMemoryProvider(name: "defaults", values: Self.values(defaults)),
        ])
    }

    /// Setting names are whole keys (`SWIFTCHAT_DATABASE_TIMEOUT`): the environment provider
    /// maps such a one-component key to the variable of the same name.
    private static func values(_ strings: [String: String]) -> [AbsoluteConfigKey: ConfigValue] {
        Dictionary(uniqueKeysWithValues: strings.map { (AbsoluteConfigKey([$0.key]), ConfigValue(.string($0.value), isSecret: false)) })
    }

    func value(_ name: String) -> String? {
        reader.string(forKey: ConfigKey([name]))
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int {
        let text = value(name) ?? ""
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw ConfigurationError(name, "\"\(text)\" is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    func bool(_ name: String) throws -> Bool {
        let text = (value(name) ?? "").lowercased()
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off", "": return false
        default: throw ConfigurationError(name, "\"\(text)\" is not true or false")
        }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String) throws -> T where T.RawValue == String {
        let text = value(name) ?? ""
        guard let choice = T(rawValue: text) else {
            throw ConfigurationError(name, "\"\(text)\" is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }

    /// "90", "90s", "15m", "12h", "20d".
    func duration(_ name: String, positive: Bool) throws -> TimeInterval {
        let text = (value(name) ?? "").trimmingCharacters(in: .whitespaces)
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text)
        var unit = 1.0
        if let last = text.last, let multiplier = units[last] {
            digits = digits.dropLast()
            unit = multiplier
        }
        // At most ten years: larger values would overflow the integer times they become.
        guard let amount = Double(digits), amount.isFinite, amount >= 0, !(positive && amount == 0), amount * unit <= 315_576_000 else {
            throw ConfigurationError(name, "\"\(text)\" is not a duration such as 90s, 15m, 12h or 20d")
        }
        return amount * unit
    }

    func list(_ name: String, separator: Character) -> [String] {
        (value(name) ?? "").split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func url(_ name: String) throws -> URL? {
        guard let text = value(name), !text.isEmpty else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ConfigurationError(name, "\"\(text)\" is not an http(s) URL")
        }
        return url
    }
}
