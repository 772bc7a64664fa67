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
    private var pid: pid_t?

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
            executablePath, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
        ] + (password.map { ["--requirepass", $0] } ?? [])
        let pid = try Self.spawn(arguments)
        self.pid = pid

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
        guard let pid, isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<2000 where isRunning {
            usleep(5000)
        }
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            self.pid = nil
        }
    }

    /// Reaps the process once it has exited.
    private var isRunning: Bool {
        guard let pid else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == 0 { return true }
        self.pid = nil
        return false
    }

    /// posix_spawn rather than Foundation's `Process`, which cannot reset the inherited signal mask.
    private static func spawn(_ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The test runner blocks some signals, and a child inherits that mask: without resetting it,
        // redis-server would never see SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw StartFailed(description: "could not start redis-server: \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Runs `body` with a loopback port that refuses connections: bound, but not listening, so that no other
    /// test can take it meanwhile.
    static func withRefusingPort<T>(_ body: (Int) async throws -> T) async throws -> T {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
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
