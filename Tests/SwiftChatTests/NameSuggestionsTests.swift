import Testing
@testable import SwiftChatServer

/// "Did you mean …?" for misspelled settings, flags and commands.
@Suite("Name suggestions")
struct NameSuggestionsTests {
    @Test("edit distance counts insertions, deletions, substitutions and swaps of neighbours", arguments: [
        ("kitten", "sitting", 3),
        ("SERVE", "SERV", 1),
        ("SERVE", "SEVRE", 1),
        ("OTP_LIFETME", "OTP_LIFETIME", 1),
        ("", "ABC", 3),
        ("SAME", "SAME", 0),
    ] as [(String, String, Int)])
    func editDistance(first: String, second: String, distance: Int) {
        #expect(NameSuggestions.editDistance(first, second, limit: 5) == distance)
        #expect(NameSuggestions.editDistance(second, first, limit: 5) == distance)
    }

    @Test("beyond the limit, or for input over the length bound, there is no distance")
    func bounds() {
        #expect(NameSuggestions.editDistance("ABCDEF", "UVWXYZ", limit: 2) == nil)
        #expect(NameSuggestions.editDistance("A", "ABCD", limit: 2) == nil)
        let long = String(repeating: "A", count: NameSuggestions.maximumLength + 1)
        #expect(NameSuggestions.editDistance(long, long, limit: 3) == nil)
        #expect(NameSuggestions.closest(to: long, among: [long]) == nil)
    }

    @Test("the closest name is suggested only when it is a likely typo")
    func closest() {
        let flags = SettingsTable.all.map(\.flag)
        #expect(NameSuggestions.closest(to: "--otp-lifetme", among: flags) == "--otp-lifetime")
        #expect(NameSuggestions.closest(to: "--OTP-LIFETIME", among: flags) == "--otp-lifetime")
        #expect(NameSuggestions.closest(to: "--prot", among: flags) == "--port")
        #expect(NameSuggestions.closest(to: "--frobnicate", among: flags) == nil)
        let commands = ["serve", "migrate", "seed", "move-data"]
        #expect(NameSuggestions.closest(to: "serv", among: commands) == "serve")
        #expect(NameSuggestions.closest(to: "movedata", among: commands) == "move-data")
        #expect(NameSuggestions.closest(to: "migrat", among: commands) == "migrate")
        #expect(NameSuggestions.closest(to: "deploy", among: commands) == nil)
        #expect(NameSuggestions.closest(to: "port", among: ["host"]) == nil, "two letters of four is a different word")
    }

    @Test("SWIFTCHAT_ names not in the table get a warning with the closest setting; other names are not checked")
    func unknownVariables() throws {
        let settings = try Settings.load(environment: [
            "SWIFTCHAT_OTP_LIFETME": "60s", "SWIFTCHAT_PORT": "9000", "SWIFTCHAT_FROBNICATE": "1",
            "SWIFTCHAT_OTP_LIFETIME": "90s", "OTP_LIFETME": "60s", "PATH": "/usr/bin", "HOSTNAME": "box",
            "SWIFTCHAT_TEST_DATABASE_URL": "postgres://x", "SWIFTCHAT_REQUIRE_BACKEND_TESTS": "1",
        ], readEnvFile: false)
        #expect(settings.unknownNameWarnings == [
            "SWIFTCHAT_FROBNICATE (in the environment) is not a setting and is ignored",
            "SWIFTCHAT_OTP_LIFETME (in the environment) is not a setting and is ignored; did you mean SWIFTCHAT_OTP_LIFETIME?",
            "SWIFTCHAT_PORT (in the environment) is not a setting and is ignored; did you mean PORT?",
        ])
        #expect(settings.otpLifetime == 90)
        #expect(try Settings.load(environment: ["PATH": "/usr/bin"], readEnvFile: false).unknownNameWarnings.isEmpty)
    }

    @Test("an unknown flag is refused with the closest flag")
    func unknownFlag() {
        let error = #expect(throws: ConfigurationError.self) {
            try Settings.load(flags: ["--otp-lifetme", "60s"], environment: [:], readEnvFile: false)
        }
        #expect(error?.description
            == "configuration error: unknown option --otp-lifetme (did you mean --otp-lifetime?); see --help for the list of settings")
        let unrelated = #expect(throws: ConfigurationError.self) {
            try Settings.load(flags: ["--frobnicate=1"], environment: [:], readEnvFile: false)
        }
        #expect(unrelated?.description == "configuration error: unknown option --frobnicate; see --help for the list of settings")
    }
}
