import Foundation
import HTTPTypes
@testable import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing

/// A `swiftchat serve` process of its own (the binary this package builds), for tests of
/// several processes working together. Its output goes to a log file that failures show.
final class ServerProcess: Sendable {
    /// The built `swiftchat`, beside the test bundle.
    static let executable: URL? = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("swiftchat")
        let candidates = [besideTests, packageRoot.appendingPathComponent(".build/debug/swiftchat")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    struct StartFailed: Error, CustomStringConvertible {
        let description: String
    }

    let port: Int
    let log: URL
    private let process: ChildProcess

    private init(port: Int, log: URL, process: ChildProcess) {
        self.port = port
        self.log = log
        self.process = process
    }

    /// Starts `swiftchat serve` on a port of its own choosing (PORT=0, read back from its log:
    /// a port picked here could be taken by another socket before the server binds it) with
    /// `environment` (plus dev mode and cheap bcrypt), and returns once `/health/` answers 200.
    static func start(_ name: String, environment: [String: String], folder: URL) async throws -> ServerProcess {
        let log = folder.appendingPathComponent("\(name).log")
        let process = try launchSwiftChat(["serve"], environment: [
            "HOST": "127.0.0.1", "PORT": "0", "SWIFTCHAT_LOG_LEVEL": "info",
            "DATABASE_NAME": folder.appendingPathComponent("\(name).sqlite3").path,
        ].merging(environment) { $1 }, folder: folder, log: log)
        func output() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        var port: Int?
        _ = await eventually(within: .seconds(60)) {
            port = output().firstMatch(of: /listening on 127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) }
            return port != nil || !process.isRunning
        }
        let server = port.map { ServerProcess(port: $0, log: log, process: process) }
        let healthy = await eventually(within: .seconds(30)) {
            guard let server, process.isRunning else { return true }
            return (try? await server.client.call(.get, "/health/"))?.status == .ok
        }
        guard let server, healthy, process.isRunning else {
            await process.stop()
            throw StartFailed(description: "\(name) did not start: \(output().suffix(2_000))")
        }
        return server
    }

    /// Starts several servers at once, as a deployment does; if one fails, the others are
    /// stopped before the error is thrown.
    static func startTogether(_ specs: [(name: String, environment: [String: String])], folder: URL) async throws -> [ServerProcess] {
        let results = await withTaskGroup(of: (Int, Result<ServerProcess, any Error>).self) { group in
            for (index, spec) in specs.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try await start(spec.name, environment: spec.environment, folder: folder)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            return await group.reduce(into: [Int: Result<ServerProcess, any Error>]()) { $0[$1.0] = $1.1 }
        }
        let ordered = specs.indices.compactMap { results[$0] }
        do {
            return try ordered.map { try $0.get() }
        } catch {
            for case .success(let server) in ordered { await server.stop() }
            throw error
        }
    }

    /// One web and two ws processes on one database and one Redis channel of their own, started
    /// together as a deployment would (migrations and seeding must not trip over each other).
    static func startScaledOut(
        databaseURL: String, redisURL: String, secret: String, extra: [String: String] = [:], folder: URL
    ) async throws -> (web: ServerProcess, ws1: ServerProcess, ws2: ServerProcess) {
        let shared = [
            "DATABASE_URL": databaseURL, "REDIS_URL": redisURL,
            "SWIFTCHAT_REDIS_CHANNEL": "swiftchat-test:\(UUID().uuidString)", "SECRET_KEY": secret,
        ].merging(extra) { $1 }
        let servers = try await startTogether([
            ("web", shared.merging(["SWIFTCHAT_ROLE": "web"]) { $1 }),
            ("ws1", shared.merging(["SWIFTCHAT_ROLE": "ws"]) { $1 }),
            ("ws2", shared.merging(["SWIFTCHAT_ROLE": "ws"]) { $1 }),
        ], folder: folder)
        return (servers[0], servers[1], servers[2])
    }

    var client: RemoteClient { RemoteClient(port: port) }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits (bounded) for the exit.
    @discardableResult
    func stop() async -> Int32 {
        await process.stop()
    }
}

/// HTTP to a server of another process, through the same helpers as the in-process tests.
struct RemoteClient: TestClientProtocol {
    let port: Int?

    init(port: Int) {
        self.port = port
    }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await TestClient.withClient(host: "127.0.0.1", port: port ?? 0) { client in
            try await client.execute(TestClient.Request(uri, method: method, authority: "127.0.0.1", headers: headers, body: body))
        }
        return TestResponse(head: response.head, body: response.body ?? ByteBuffer(), trailerHeaders: response.trailerHeaders)
    }
}

/// Starts `swiftchat <arguments>` in dev mode without the demo content, with cheap bcrypt and no
/// `.env` file, plus `environment`, writing its output to `log`.
func launchSwiftChat(_ arguments: [String], environment: [String: String], folder: URL, log: URL) throws -> ChildProcess {
    let executable = try #require(ServerProcess.executable, "the swiftchat binary is not built (swift build)")
    return try ChildProcess(executable.path, arguments, environment: [
        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "PROJECT_RUNNING_ENV": "dev", "SWIFTCHAT_BCRYPT_COST": "4",
        "SWIFTCHAT_DEMO_CONTENT": "false",
        "SWIFTCHAT_ENV_FILE": folder.appendingPathComponent("no.env").path,
        // Relative paths (the default database) land in the test's folder, never in the package.
        "DATABASE_NAME": folder.appendingPathComponent("default.sqlite3").path,
    ].merging(environment) { $1 }, outputPath: log.path)
}

/// Runs `swiftchat <arguments>` to its end (bounded) and returns its exit status and output.
func runSwiftChat(_ arguments: [String], environment: [String: String], folder: URL) async throws -> (status: Int32, output: String) {
    let log = folder.appendingPathComponent("command-\(UUID().uuidString).log")
    let process = try launchSwiftChat(arguments, environment: environment, folder: folder, log: log)
    if await !eventually(within: .seconds(120), { !process.isRunning }) {
        Issue.record("swiftchat \(arguments.joined(separator: " ")) did not finish within 120 s")
    }
    let status = await process.stop()
    return (status, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
}

extension ServerProcess {
    /// SIGKILL, as a crash ends a process: no shutdown code runs, open connections are torn
    /// down by the kernel. Waits for the exit and returns its status (128 + 9).
    @discardableResult
    func kill() async -> Int32 {
        process.signal(SIGKILL)
        return await process.waitForExit()
    }
}
