import ArgumentParser
import Foundation

struct BenchSizes: Sendable {
    var idleSockets: [Int]
    var idleSeconds: Double
    var fanOutSockets: Int
    var fanOutUsers: Int
    var fanOutRates: [Int]
    var fanOutSeconds: Double
    var restConcurrency: Int
    var restSeconds: Double
    var loginUsers: Int
    var groupCount: Int
    var groupMembers: Int
    var groupRates: [Int]
    var groupSeconds: Double
    var stormSockets: Int
    var stormGroupMembers: Int
    var stormRate: Int
    var stormAwaySeconds: Double
    /// The file of the media transfer scenario.
    var mediaBytes = 200 * 1_048_576
}

/// Drives a running SwiftChat server the way chat users load it and reports what they feel:
/// sockets held, notifications delivered, messages written, logins. Never a pass/fail on speed:
/// it fails only when a scenario does not complete or something is lost.
@main
struct SwiftChatBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftchat-bench",
        abstract: "Measure a SwiftChat server: idle sockets, notification fan-out, REST, login storm, group fan-out, reconnect storm, media transfer.",
        discussion: """
            Start the server yourself (--base, --server-pid) or let the bench start one (--server) on a fresh \
            database with rate limits off, pinned to core 0 with taskset; run the bench on the other core: \
            taskset -c 1 swiftchat-bench --server .build/release/swiftchat
            """)

    @Option(help: "A swiftchat binary to start for the run (fresh database, dev mode, rate limits off).")
    var server: String?
    @Option(help: "The core the started server is pinned to (taskset); -1: not pinned.")
    var serverCore = 0
    @Option(help: "The core the bench pins itself to (taskset); -1: not pinned.")
    var benchCore = 1
    @Option(help: "Port for the started server.")
    var port = 18200
    @Option(help: "URL of an already running server (dev mode, rate limits raised).")
    var base = "http://127.0.0.1:8000"
    @Option(help: "pid of that server, to read its memory and CPU from /proc.")
    var serverPid: Int32?
    @Flag(help: "Small sizes: every scenario in well under a minute (what CI runs).")
    var quick = false
    @Option(help: "Scenarios to run, comma-separated: idle, fanout, rest, login, groups, typing, storm, media, search (search needs a generate-data database).")
    var scenarios = "idle,fanout,rest,login,groups,typing,storm,media"
    @Option(help: "Idle socket counts, comma-separated.")
    var idleSockets = "10000,25000,50000"
    @Option(help: "Seconds each idle size is held.")
    var idleSeconds = 10.0
    @Option(help: "Sockets in the fan-out scenario.")
    var fanOutSockets = 10000
    @Option(help: "Users in the fan-out scenario (pairs with accepted interests).")
    var fanOutUsers = 1000
    @Option(help: "Chat message posts per second, comma-separated, each held --fan-out-seconds.")
    var fanOutRates = "1000,2500,5000"
    @Option(help: "Seconds per fan-out rate.")
    var fanOutSeconds = 10.0
    @Option(help: "Concurrent requests in the REST and login scenarios.")
    var concurrency = 64
    @Option(help: "Seconds per REST measurement.")
    var restSeconds = 10.0
    @Option(help: "Fresh users in the login storm.")
    var loginUsers = 5000
    @Option(help: "Groups in the group fan-out scenario (v2), each member with a chat_stream socket.")
    var groups = 200
    @Option(help: "Members per group in the group fan-out scenario.")
    var groupMembers = 50
    @Option(help: "Group posts per second, comma-separated, each held --group-seconds.")
    var groupRates = "200,500,1000"
    @Option(help: "Seconds per group fan-out rate.")
    var groupSeconds = 10.0
    @Option(help: "Sockets in the reconnect storm (capped by the descriptor limit), one user each.")
    var stormSockets = 2000
    @Option(help: "Members per group in the reconnect storm.")
    var stormGroupMembers = 50
    @Option(help: "Group posts per second while the reconnect storm runs.")
    var stormRate = 200
    @Option(help: "Seconds every socket stays away before reconnecting, posts still arriving.")
    var stormAwaySeconds = 2.0
    @Option(help: "The started server's SQLite file instead of a fresh one (for search: a `swiftchat generate-data` database).")
    var databaseName: String?
    @Option(help: "The started server's PostgreSQL URL instead of a fresh SQLite file (for search: a `swiftchat generate-data` database).")
    var databaseUrl: String?
    @Option(help: "Users in the generated database (the --users given to `swiftchat generate-data`).")
    var generatedUsers = 100_000
    @Option(help: "Requests per query kind in the search scenario.")
    var searchRequests = 500
    @Option(help: "Where to write the JSON report.")
    var json = "bench-results.json"
    @Option(help: "Where to write the markdown table (also printed).")
    var markdown = "bench-results.md"

    var sizes: BenchSizes {
        if quick {
            return BenchSizes(
                idleSockets: [200], idleSeconds: 2, fanOutSockets: 200, fanOutUsers: 40, fanOutRates: [100, 300], fanOutSeconds: 2,
                restConcurrency: 8, restSeconds: 2, loginUsers: 100, groupCount: 4, groupMembers: 5, groupRates: [20, 50], groupSeconds: 2,
                stormSockets: 50, stormGroupMembers: 10, stormRate: 50, stormAwaySeconds: 1, mediaBytes: 16 * 1_048_576)
        }
        return BenchSizes(
            idleSockets: Self.integers(idleSockets), idleSeconds: idleSeconds, fanOutSockets: fanOutSockets, fanOutUsers: fanOutUsers,
            fanOutRates: Self.integers(fanOutRates), fanOutSeconds: fanOutSeconds, restConcurrency: concurrency,
            restSeconds: restSeconds, loginUsers: loginUsers, groupCount: groups, groupMembers: groupMembers,
            groupRates: Self.integers(groupRates), groupSeconds: groupSeconds, stormSockets: stormSockets,
            stormGroupMembers: stormGroupMembers, stormRate: stormRate, stormAwaySeconds: stormAwaySeconds)
    }

    func run() async throws {
        raiseDescriptorLimit()
        if benchCore >= 0 { pinThisProcess(to: benchCore) }
        let sizes = self.sizes
        let target: ServerUnderTest
        if let server {
            var database: [String: String] = [:]
            if let databaseName { database["DATABASE_NAME"] = databaseName }
            if let databaseUrl { database["DATABASE_URL"] = databaseUrl }
            target = try ServerUnderTest(binary: server, port: port, pinToCore: serverCore >= 0 ? serverCore : nil, extraSettings: database)
        } else {
            target = ServerUnderTest(baseURL: base, pid: serverPid)
        }
        defer { target.stop() }
        let client = BenchClient(baseURL: target.baseURL, connections: max(sizes.restConcurrency, 64))
        try await waitForHealth(client)
        let log: @Sendable (String) -> Void = { print("  \($0)") }
        let context = ScenarioContext(server: target, client: client, sizes: sizes, log: log)
        // Phone prefixes differ per run, so a reused server gets fresh users.
        let runPrefix = Int.random(in: 10...89)
        let wanted = Set(scenarios.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        var rows: [Measurement] = []
        var failed: [String] = []

        do {
            // The v2 scenarios give every socket a user of its own; the first users also pair up for v1.
            var needed = max(sizes.fanOutUsers, 2)
            if wanted.contains("groups") || wanted.contains("typing") { needed = max(needed, sizes.groupCount * sizes.groupMembers) }
            if wanted.contains("storm") { needed = max(needed, min(sizes.stormSockets, socketCeiling())) }
            print("setting up \(needed) users, \(sizes.fanOutUsers) of them with accepted interests")
            let accounts = try await client.logIn(count: needed, prefix: runPrefix, concurrency: 32)
            let pairs = try await client.befriend(Array(accounts.prefix(max(sizes.fanOutUsers, 2))), concurrency: 32)
            if wanted.contains("idle") { print("idle sockets"); rows += try await Scenarios.idle(context, accounts: accounts) }
            if wanted.contains("fanout") { print("fan-out"); rows += try await Scenarios.fanOut(context, pairs: pairs) }
            if wanted.contains("rest") { print("REST"); rows += try await Scenarios.rest(context, pairs: pairs) }
            if wanted.contains("login") { print("login storm"); rows += try await Scenarios.loginStorm(context, prefix: runPrefix + 10) }
            if wanted.contains("groups") { print("group fan-out"); rows += try await GroupFanOutScenario.run(context, accounts: accounts) }
            if wanted.contains("typing") { print("typing storm"); rows += try await TypingStormScenario.run(context, accounts: accounts) }
            if wanted.contains("storm") { print("reconnect storm"); rows += try await ReconnectStormScenario.run(context, accounts: accounts) }
            if wanted.contains("search") {
                print("search on a generated install")
                rows += try await SearchScenario.run(context, generatedUsers: generatedUsers, requests: searchRequests)
            }
            if wanted.contains("media") {
                print("media transfer")
                rows += try await MediaTransferScenario.run(context, account: accounts[0], size: sizes.mediaBytes)
            }
        } catch {
            failed.append("\(error)")
        }
        try? await client.shutdown()

        let report = Report(rows: rows, failures: failed, sizes: sizes, quick: quick, server: target, serverCore: server != nil && serverCore >= 0 ? serverCore : nil,
            benchCore: benchCore >= 0 ? benchCore : nil)
        let table = report.markdown
        print("\n" + table)
        try table.write(toFile: markdown, atomically: true, encoding: .utf8)
        try report.json.write(toFile: json, atomically: true, encoding: .utf8)
        let lost = rows.reduce(0) { $0 + $1.lost }
        if !failed.isEmpty || lost > 0 {
            throw ValidationError("bench incomplete: \(failed.joined(separator: "; ")) lost: \(lost)")
        }
        print("every scenario completed; nothing lost")
    }

    private func waitForHealth(_ client: BenchClient) async throws {
        for _ in 0..<200 {
            if let reply = try? await client.call(.GET, "/health/"), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError(description: "the server at \(client.baseURL) does not answer /health/")
    }

    static func integers(_ text: String) -> [Int] {
        text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}
