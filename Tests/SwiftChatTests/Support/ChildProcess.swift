import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn. Foundation's `Process.run()` crashes when tests
/// start processes from several threads at once, and it passes on the test runner's blocked
/// signals, so a child would never see SIGTERM; this resets the mask and is safe to call
/// concurrently.
final class ChildProcess: Sendable {
    struct SpawnFailed: Error, CustomStringConvertible {
        let description: String
    }

    let pid: pid_t
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` and exactly `environment`; stdout and stderr go to
    /// the file at `outputPath` (created or appended to).
    init(_ executable: String, _ arguments: [String], environment: [String: String], outputPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
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

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SpawnFailed(description: "could not start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    /// The exit status once the process has ended (128 + signal number when a signal ended it).
    var status: Int32? {
        exitStatus.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid { status = Self.decode(raw) }
            }
            return status
        }
    }

    var isRunning: Bool { status == nil }

    func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// SIGTERM, then SIGKILL if it has not ended within `grace`; returns the exit status.
    @discardableResult
    func stop(grace: Duration = .seconds(10)) async -> Int32 {
        signal(SIGTERM)
        if await !eventually(within: grace, { !isRunning }) { signal(SIGKILL) }
        return await waitForExit()
    }

    /// Waits for the process to end by itself, for synchronous callers; after `timeout` it is
    /// killed. Returns the exit status.
    @discardableResult
    func waitBlocking(timeout: Duration) -> Int32 {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while isRunning, ContinuousClock.now < deadline { usleep(5_000) }
        signal(SIGKILL)
        while isRunning { usleep(1_000) }
        return status ?? -1
    }

    /// `stop` for synchronous callers (a `defer`), for processes that exit at once on SIGTERM.
    func stopBlocking(grace: Duration = .seconds(10)) {
        signal(SIGTERM)
        let deadline = ContinuousClock.now.advanced(by: grace)
        while isRunning, ContinuousClock.now < deadline { usleep(5_000) }
        signal(SIGKILL)
        while isRunning { usleep(1_000) }
    }

    func waitForExit() async -> Int32 {
        while true {
            if let status { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// waitpid's status word: the exit code, or 128 + the signal that ended the process.
    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }
}
