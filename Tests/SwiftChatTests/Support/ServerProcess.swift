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
    private let process: Process

    private init(port: Int, log: URL, process: Process) {
        self.port = port
        self.log = log
        self.process = process
    }

    /// Starts `swiftchat serve` on a free loopback port with `environment` (plus dev mode and
    /// cheap bcrypt) and returns once `/health/` answers 200.
    static func start(_ name: String, environment: [String: String], folder: URL) async throws -> ServerProcess {
        let port = try await freeLoopbackPort()
        let log = folder.appendingPathComponent("\(name).log")
        let process = try launchSwiftChat(["serve"], environment: [
            "HOST": "127.0.0.1", "PORT": "\(port)", "SWIFTCHAT_LOG_LEVEL": "info",
            "DATABASE_NAME": folder.appendingPathComponent("\(name).sqlite3").path,
        ].merging(environment) { $1 }, folder: folder, log: log)
        let server = ServerProcess(port: port, log: log, process: process)
        let healthy = await eventually(within: .seconds(60)) {
            guard process.isRunning else { return false }
            return (try? await server.client.call(.get, "/health/"))?.status == .ok
        }
        guard healthy else {
            server.stop()
            throw StartFailed(description: "\(name) did not become healthy: \(server.output.suffix(2_000))")
        }
        return server
    }

    var client: RemoteClient { RemoteClient(port: port) }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits (bounded) for the exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<1_000 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
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

/// Starts `swiftchat <arguments>` in dev mode with cheap bcrypt and no `.env` file, plus
/// `environment`, writing its output to `log`.
func launchSwiftChat(_ arguments: [String], environment: [String: String], folder: URL, log: URL) throws -> Process {
    let executable = try #require(ServerProcess.executable, "the swiftchat binary is not built (swift build)")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = folder
    process.environment = [
        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "PROJECT_RUNNING_ENV": "dev", "SWIFTCHAT_BCRYPT_COST": "4",
        "SWIFTCHAT_ENV_FILE": folder.appendingPathComponent("no.env").path,
    ].merging(environment) { $1 }
    let output = try FileHandle(forWritingTo: log)
    process.standardOutput = output
    process.standardError = output
    try process.run()
    return process
}

/// Runs `swiftchat <arguments>` to its end (bounded) and returns its exit status and output.
func runSwiftChat(_ arguments: [String], environment: [String: String], folder: URL) async throws -> (status: Int32, output: String) {
    let log = folder.appendingPathComponent("command-\(UUID().uuidString).log")
    let process = try launchSwiftChat(arguments, environment: environment, folder: folder, log: log)
    let finished = await eventually(within: .seconds(120)) { !process.isRunning }
    if !finished { process.terminate() }
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
}

/// A loopback port nothing listens on right now (bind to port 0, note it, close).
func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = try #require(channel.localAddress?.port)
    try await channel.close()
    return port
}
