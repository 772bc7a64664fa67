import Foundation
import HTTPTypes
@testable import HummingbirdTesting
import NIOCore
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
        guard let executable else { throw StartFailed(description: "the swiftchat binary is not built (swift build)") }
        let port = try await RedisServerProcess.freePort()
        let log = folder.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve"]
        process.currentDirectoryURL = folder
        process.environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOST": "127.0.0.1", "PORT": "\(port)", "PROJECT_RUNNING_ENV": "dev", "SWIFTCHAT_BCRYPT_COST": "4",
            "SWIFTCHAT_ENV_FILE": folder.appendingPathComponent("no.env").path, "SWIFTCHAT_LOG_LEVEL": "info",
            "DATABASE_NAME": folder.appendingPathComponent("\(name).sqlite3").path,
        ].merging(environment) { $1 }
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
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
