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
    private var child: ChildProcess?

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

    /// Starts a server on a free port, chosen at random below the ephemeral range: a port from bind(0) can be
    /// taken a moment later as the local port of some test's client connection. Busy ports are skipped.
    static func start(password: String? = nil) async throws -> RedisServerProcess {
        var lastError: (any Error)?
        for _ in 0..<10 {
            let server = try RedisServerProcess(port: Int.random(in: 20_000..<32_000), password: password)
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
        guard !isRunning else { return }
        guard let executablePath = Self.executablePath else { throw StartFailed(description: "redis-server not found") }
        let arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
        ] + (password.map { ["--requirepass", $0] } ?? [])
        let child = try ChildProcess(executablePath, arguments, environment: ProcessInfo.processInfo.environment, outputPath: "/dev/null")
        self.child = child
        let pid = child.pid

        let logger = Logger(label: "RedisServerProcess")
        for _ in 0..<200 {
            guard isRunning else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
                throw StartFailed(description: "redis-server on port \(port) exited: \(log.suffix(500))")
            }
            if let connection = try? await RedisConnection.connect(to: endpoint, timeout: .seconds(1), logger: logger) {
                let pong = try? await connection.send(["PING"])
                // Another server may hold the port for the moment ours takes to fail: check it is ours.
                let info = try? await connection.send(["INFO", "server"])
                await connection.close()
                if pong == .simpleString("PONG"), case .bulkString(let text?) = info,
                   String(decoding: text, as: UTF8.self).contains("process_id:\(pid)\r\n") {
                    return
                }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        throw StartFailed(description: "redis-server on port \(port) did not answer PING within 10 seconds")
    }

    /// Sends SIGTERM and waits (at most 10 seconds, then SIGKILL) for the process to exit.
    /// Redis exits within milliseconds, so blocking here is brief and lets tests call it from `defer`.
    func stop() {
        child?.stopBlocking()
        child = nil
    }

    private var isRunning: Bool { child?.isRunning ?? false }

    /// Runs `body` with a loopback port that refuses connections: bound, but not listening, so that no other
    /// test can take it meanwhile.
    static func withRefusingPort<T>(_ body: (Int) async throws -> T) async throws -> T {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw StartFailed(description: "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw StartFailed(description: "bind() failed") }
        return try await body(Int(UInt16(bigEndian: address.sin_port)))
    }
}

struct BoundExceeded: Error, CustomStringConvertible {
    var description: String { "the operation did not finish within its bound" }
}

/// Runs `body` but throws `BoundExceeded` if it has not finished after `seconds`, so that a bug fails a test
/// instead of hanging it. The body is not awaited past the bound (it may not react to cancellation).
func bounded<T: Sendable>(_ seconds: Int = 30, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
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
