import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RedisClient

/// A real `redis-server` on a free loopback port, in its own temporary folder, for tests.
/// Call `stop()` when done (a `deinit` also stops it, but Swift may release it before a test's end).
final class RedisServerProcess {
    static let executablePath: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/redis-server" } + ["/usr/bin/redis-server"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var isAvailable: Bool { executablePath != nil }

    struct StartFailed: Error, CustomStringConvertible {
        var description: String
    }

    let port: Int
    let password: String?
    private let directory: URL
    private var process: Process?

    /// The server's endpoint, with its password if it has one.
    var endpoint: RedisEndpoint { RedisEndpoint(host: "127.0.0.1", port: port, password: password) }

    private init(port: Int, password: String?) throws {
        self.port = port
        self.password = password
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts a server on a free port. Another test may grab the same port in between, so a few ports are tried.
    static func start(password: String? = nil) async throws -> RedisServerProcess {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let server = try RedisServerProcess(port: try await freePort(), password: password)
            do {
                try await server.start()
                return server
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// Starts (again) on the same port and returns once the server answers PING; gives up after 10 seconds.
    func start() async throws {
        guard let executablePath = Self.executablePath else { throw StartFailed(description: "redis-server not found") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executablePath)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
        ] + (password.map { ["--requirepass", $0] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process

        let logger = Logger(label: "RedisServerProcess")
        for _ in 0..<200 {
            guard process.isRunning else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
                throw StartFailed(description: "redis-server on port \(port) exited: \(log.suffix(500))")
            }
            if let connection = try? await RedisConnection.connect(to: endpoint, timeout: .seconds(1), logger: logger) {
                let reply = try? await connection.send(["PING"])
                await connection.close()
                if reply == .simpleString("PONG") { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        throw StartFailed(description: "redis-server on port \(port) did not answer PING within 10 seconds")
    }

    /// Sends SIGTERM and waits (at most 10 seconds, then SIGKILL) for the process to exit.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        for _ in 0..<1000 where process.isRunning {
            usleep(10_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        self.process = nil
    }

    /// A loopback port nothing listens on right now: bind to port 0, note the port, close.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }
}

struct BoundExceeded: Error, CustomStringConvertible {
    var description: String { "the operation did not finish within its bound" }
}

/// Runs `body` but throws `BoundExceeded` if it has not finished after `seconds`, so that a bug fails a test
/// instead of hanging it. The body is not awaited past the bound (it may not react to cancellation).
func bounded<T: Sendable>(_ seconds: Int = 10, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let waiter = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
    let resume: @Sendable (Result<T, any Error>) -> Void = { outcome in
        waiter.withLockedValue { continuation in
            continuation?.resume(with: outcome)
            continuation = nil
        }
    }
    let tasks = NIOLockedValueBox<[Task<Void, Never>]>([])
    defer { tasks.withLockedValue { $0.forEach { $0.cancel() } } }
    return try await withCheckedThrowingContinuation { continuation in
        waiter.withLockedValue { $0 = continuation }
        let work = Task {
            do { resume(.success(try await body())) } catch { resume(.failure(error)) }
        }
        let timer = Task {
            guard (try? await Task.sleep(for: .seconds(seconds))) != nil else { return }
            resume(.failure(BoundExceeded()))
        }
        tasks.withLockedValue { $0 = [work, timer] }
    }
}
