import Foundation

/// The server being measured: either started here (fresh database, dev mode, rate limits off,
/// optionally pinned to one core with `taskset`) or an already running one given by URL and pid.
final class ServerUnderTest: @unchecked Sendable {
    let baseURL: String
    let pid: Int32?
    private let process: Process?
    private let folder: URL?
    let settings: [String: String]

    /// Starts `binary serve` on `port` with the bench's settings.
    init(binary: String, port: Int, pinToCore core: Int?, extraSettings: [String: String]) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftchat-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var settings = [
            "DATABASE_NAME": folder.appendingPathComponent("bench.sqlite3").path,
            "PROJECT_RUNNING_ENV": "dev",
            "SWIFTCHAT_OTP_RATE_PER_PHONE": "0",
            "SWIFTCHAT_OTP_RATE_PER_CLIENT": "0",
            "SWIFTCHAT_PASSWORD_RATE_PER_CLIENT": "0",
            // The bench is the one client that means to flood: every per-client and per-user
            // limit is off, so that it measures the server rather than the limits.
            "SWIFTCHAT_OTP_FAILURES_PER_CLIENT": "0",
            "SWIFTCHAT_OTP_FREE_FAILURES_PER_PHONE": "0",
            "SWIFTCHAT_MESSAGE_RATE_PER_USER": "0",
            "SWIFTCHAT_INTEREST_RATE_PER_USER": "0",
            "SWIFTCHAT_WS_MAX_SOCKETS_PER_USER": "0",
            "SWIFTCHAT_WS_QUEUE_LIMIT": "4096",
            "SWIFTCHAT_LOG_LEVEL": "error",
            "SWIFTCHAT_ENV_FILE": "/nonexistent",
            // All of 127.0.0.0/8, so that many sockets can be spread over several loopback
            // destination addresses (the bench connects to 127.0.0.x only).
            "HOST": "0.0.0.0",
            "PORT": String(port),
        ]
        settings.merge(extraSettings) { _, new in new }
        self.settings = settings
        let process = Process()
        if let core, FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", String(core), binary, "serve"]
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["serve"]
        }
        process.environment = ProcessInfo.processInfo.environment.merging(settings) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.pid = process.processIdentifier
        self.folder = folder
        self.baseURL = "http://127.0.0.1:\(port)"
    }

    init(baseURL: String, pid: Int32?) {
        self.baseURL = baseURL
        self.pid = pid
        self.process = nil
        self.folder = nil
        self.settings = [:]
    }

    func stop() {
        if let process, process.isRunning {
            process.interrupt()
            process.waitUntilExit()
        }
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// Resident memory in bytes, from /proc.
    func residentBytes() -> Int? {
        guard let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
    }

    /// User plus system CPU time in seconds, from /proc.
    func cpuSeconds() -> Double? {
        guard let pid, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
