import AsyncHTTPClient
import Foundation
import Histogram
import Synchronization

/// One row of the report: a scenario at one size or rate.
struct Measurement: Sendable {
    var scenario: String
    var parameters: String
    var metrics: [(String, Double)]
    /// Notifications or requests that went missing; must be 0.
    var lost: Int
    var note: String?

    func value(_ name: String) -> Double? { metrics.first { $0.0 == name }?.1 }
}

struct ScenarioContext: Sendable {
    let server: ServerUnderTest
    let client: BenchClient
    let sizes: BenchSizes
    let log: @Sendable (String) -> Void
}

/// A counter shared by concurrent tasks.
final class Tally: Sendable {
    private let atomic = Atomic<Int>(0)
    func add(_ amount: Int = 1) { atomic.add(amount, ordering: .relaxed) }
    var value: Int { atomic.load(ordering: .relaxed) }
}

/// Latencies in microseconds, recorded from concurrent tasks.
final class LatencyRecorder: Sendable {
    private let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))
    func record(_ micros: UInt64) { histogram.withLock { _ = $0.record(micros) } }
    /// The latencies so far; the recorder starts over.
    func take() -> Histogram<UInt64> {
        histogram.withLock { histogram in
            defer { histogram.reset() }
            return histogram
        }
    }
}

/// Latency percentiles in milliseconds.
func percentiles(_ histogram: Histogram<UInt64>) -> [(String, Double)] {
    [("p50_ms", Double(histogram.valueAtPercentile(50)) / 1000),
     ("p99_ms", Double(histogram.valueAtPercentile(99)) / 1000),
     ("p99.9_ms", Double(histogram.valueAtPercentile(99.9)) / 1000)]
}

/// The most sockets one process may hold here (a server and the bench each hold one end).
func socketCeiling() -> Int {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    return Int(limit.rlim_cur) - 512
}

/// Pins every thread of this process to one core, so the bench and the server do not share one.
func pinThisProcess(to core: Int) {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else { return }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
    process.arguments = ["-a", "-p", "-c", String(core), String(getpid())]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try? process.run()
    process.waitUntilExit()
}

/// Raises the soft file-descriptor limit to the hard one (servers it starts inherit it).
func raiseDescriptorLimit() {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

enum Scenarios {
    /// Idle sockets: server memory per socket and CPU while nothing happens.
    static func idle(_ context: ScenarioContext, accounts: [Account]) async throws -> [Measurement] {
        var rows: [Measurement] = []
        for size in context.sizes.idleSockets {
            guard size <= socketCeiling() else {
                rows.append(Measurement(
                    scenario: "idle sockets", parameters: "\(size) sockets", metrics: [], lost: 0,
                    note: "skipped: RLIMIT_NOFILE allows \(socketCeiling() + 512) descriptors per process on this machine"))
                continue
            }
            let before = context.server.residentBytes() ?? 0
            let fleet = SocketFleet(count: size, accounts: accounts)
            let connected = await fleet.open(baseURL: context.server.baseURL, accounts: accounts, concurrency: 256)
            try await Task.sleep(for: .seconds(1))
            let cpuStart = context.server.cpuSeconds() ?? 0
            let start = monotonicNanos()
            try await Task.sleep(for: .seconds(context.sizes.idleSeconds))
            let elapsed = Double(monotonicNanos() - start) / 1e9
            let cpu = ((context.server.cpuSeconds() ?? 0) - cpuStart) / elapsed
            let after = context.server.residentBytes() ?? 0
            await fleet.closeAll()
            let perSocket = connected > 0 ? Double(after - before) / Double(connected) : 0
            rows.append(Measurement(
                scenario: "idle sockets", parameters: "\(size) sockets",
                metrics: [("connected", Double(connected)), ("rss_mb", Double(after) / 1_048_576),
                          ("rss_per_socket_kb", perSocket / 1024), ("cpu_per_s", cpu)],
                lost: size - connected))
            context.log("idle \(size): \(connected) connected, \(String(format: "%.1f", perSocket / 1024)) KB/socket")
            try await Task.sleep(for: .seconds(1))
        }
        return rows
    }

    /// Fan-out: sockets over users with accepted interests; a writer posts chat messages at
    /// rising rates; each post must notify every socket of the other party.
    static func fanOut(_ context: ScenarioContext, pairs: [(Account, Account, Int64)]) async throws -> [Measurement] {
        let accounts = pairs.flatMap { [$0.0, $0.1] }
        let fleet = SocketFleet(count: min(context.sizes.fanOutSockets, socketCeiling()), accounts: accounts)
        let connected = await fleet.open(baseURL: context.server.baseURL, accounts: accounts, concurrency: 256)
        let socketsByUser = Dictionary(grouping: fleet.sockets, by: \.userID)
        var rows: [Measurement] = []
        for rate in context.sizes.fanOutRates {
            let received = fleet.received
            let total = Int(Double(rate) * context.sizes.fanOutSeconds)
            let start = monotonicNanos()
            let failedPosts = try await OpenLoopWriter(rate: rate, count: total).run { index in
                let (a, b, interest) = pairs[index % pairs.count]
                let (author, recipient) = index % 2 == 0 ? (a, b) : (b, a)
                let sent = monotonicNanos()
                for socket in socketsByUser[recipient.id] ?? [] { socket.expect(sentAt: sent) }
                return {
                    let reply = try? await context.client.call(
                        .POST, "/api/my_app/interests/\(interest)/chat_messages/", json: ["message": "bench \(index)"], token: author.token)
                    return reply?.status == 201
                }
            }
            // Let the last notifications arrive, then count what never did.
            for _ in 0..<300 where fleet.outstanding > 0 { try await Task.sleep(for: .milliseconds(10)) }
            let elapsed = Double(monotonicNanos() - start) / 1e9
            let delivered = fleet.received - received
            let histogram = fleet.takeLatencies()
            let lost = fleet.outstanding
            rows.append(Measurement(
                scenario: "fan-out", parameters: "\(connected) sockets, \(pairs.count * 2) users, \(rate) posts/s",
                metrics: [("posts", Double(total)), ("failed_posts", Double(failedPosts)),
                          ("delivered_per_s", Double(delivered) / elapsed)] + percentiles(histogram),
                lost: lost + failedPosts))
            context.log("fan-out \(rate)/s: \(delivered) delivered, lost \(lost)")
            // Forget what a failed post left expected, so the next rate starts clean.
            for socket in fleet.sockets { while socket.outstanding > 0 { _ = socket.frameArrived(at: 0) } }
            _ = fleet.takeLatencies()
        }
        await fleet.closeAll()
        return rows
    }

    /// REST: chat message POST and list at fixed concurrency, closed loop.
    static func rest(_ context: ScenarioContext, pairs: [(Account, Account, Int64)]) async throws -> [Measurement] {
        var rows: [Measurement] = []
        for (name, method) in [("POST chat message", "post"), ("GET chat messages", "list")] {
            let histogram = LatencyRecorder()
            let count = Tally()
            let failures = Tally()
            let deadline = monotonicNanos() + UInt64(context.sizes.restSeconds * 1e9)
            let start = monotonicNanos()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<context.sizes.restConcurrency {
                    group.addTask {
                        var index = worker
                        while monotonicNanos() < deadline {
                            let (a, _, interest) = pairs[index % pairs.count]
                            index += context.sizes.restConcurrency
                            let begin = monotonicNanos()
                            let path = "/api/my_app/interests/\(interest)/chat_messages/" + (method == "list" ? "?ordering=-id" : "")
                            let reply = try? await context.client.call(
                                method == "post" ? .POST : .GET, path, json: method == "post" ? ["message": "rest \(index)"] : nil, token: a.token)
                            let latency = (monotonicNanos() - begin) / 1000
                            histogram.record(latency)
                            count.add()
                            if reply?.status != (method == "post" ? 201 : 200) { failures.add() }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = Double(monotonicNanos() - start) / 1e9
            let done = count.value
            rows.append(Measurement(
                scenario: "REST", parameters: "\(name), \(context.sizes.restConcurrency) concurrent",
                metrics: [("requests", Double(done)), ("requests_per_s", Double(done) / elapsed)] + percentiles(histogram.take()),
                lost: failures.value))
            context.log("REST \(name): \(Int(Double(done) / elapsed)) req/s")
        }
        return rows
    }

    /// Login storm: OTP request and login for fresh users.
    static func loginStorm(_ context: ScenarioContext, prefix: Int) async throws -> [Measurement] {
        let histogram = LatencyRecorder()
        let failures = Tally()
        let start = monotonicNanos()
        _ = try await forEach(0..<context.sizes.loginUsers, concurrency: context.sizes.restConcurrency) { index in
            let begin = monotonicNanos()
            let phone = BenchClient.phone(prefix: prefix, index: index)
            let issued = try? await context.client.call(.POST, "/api/otp/gen/phone_number/", json: ["phone_number": phone, "otp_for": "A"])
            if let code = (issued?.body as? [String: Any])?["raw_otp"] as? String, let number = Int(code),
               let tokens = try? await context.client.call(.POST, "/api/otp/auth/", json: ["phone_number": phone, "otp": number]),
               tokens.status == 200 {
                histogram.record((monotonicNanos() - begin) / 1000)
            } else {
                failures.add()
            }
            return 0
        }
        let elapsed = Double(monotonicNanos() - start) / 1e9
        let done = context.sizes.loginUsers - failures.value
        context.log("login storm: \(Int(Double(done) / elapsed)) logins/s")
        return [Measurement(
            scenario: "login storm", parameters: "\(context.sizes.loginUsers) fresh users, \(context.sizes.restConcurrency) concurrent",
            metrics: [("logins", Double(done)), ("logins_per_s", Double(done) / elapsed)] + percentiles(histogram.take()),
            lost: failures.value)]
    }
}
