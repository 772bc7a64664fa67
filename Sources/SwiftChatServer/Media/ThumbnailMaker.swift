import Dispatch
import Foundation
import Synchronization
import SwiftChatCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes a small JPEG preview of a stored image with libvips's `vipsthumbnail` (Debian's
/// libvips-tools), run as a child process so that a decoder fault or a runaway decode ends the
/// child, not the server. Both paths are made by the server, never taken from a client.
///
/// Decompression bombs are met three ways: the image's header is read first and anything over
/// `maxImagePixels` is refused without starting the program; the program runs with libvips's loaders
/// of untrusted formats blocked (`VIPS_BLOCK_UNTRUSTED`) on one thread; and it is killed when
/// it outlives `timeLimit`.
public struct ThumbnailMaker: Sendable {
    public struct Thumbnail: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var byteCount: Int

        public init(width: Int, height: Int, byteCount: Int) {
            self.width = width
            self.height = height
            self.byteCount = byteCount
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// No `vipsthumbnail` was found.
        case unavailable
        /// A path is not absolute, or holds a character the program would read as an option.
        case unusablePath(String)
        case unreadableInput(String)
        /// The input is not an image the program is trusted with.
        case notAnImage(String)
        /// The image's header says it is too large (or empty) to decode.
        case refused(String)
        case launchFailed(String)
        case timedOut(Duration)
        /// The program failed; `output` is the start of what it printed.
        case failed(status: Int32, output: String)
        /// The program claimed success, but its file is missing, empty, too large or no thumbnail.
        case badOutput(String)

        public var description: String {
            switch self {
            case .unavailable: "vipsthumbnail was not found (Debian's libvips-tools package)"
            case .unusablePath(let path): "\(path) cannot be handed to vipsthumbnail"
            case .unreadableInput(let reason): "the image cannot be read: \(reason)"
            case .notAnImage(let type): "thumbnails are not made of \(type)"
            case .refused(let reason): reason
            case .launchFailed(let reason): "vipsthumbnail could not be started: \(reason)"
            case .timedOut(let limit): "vipsthumbnail took longer than \(limit) and was killed"
            case .failed(let status, let output): "vipsthumbnail failed (status \(status)): \(output)"
            case .badOutput(let reason): "vipsthumbnail made no usable thumbnail: \(reason)"
            }
        }
    }

    /// The longest side of a thumbnail, in pixels.
    public static let maxSide = 320
    /// The image types handed to the program; anything else (SVG above all) is never decoded.
    public static let inputTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/heic", "image/heif", "image/avif"]
    /// How much of the program's stdout and stderr is kept for an error; the rest is read and dropped.
    static let keptOutput = 4096

    /// The program's absolute path; nil when there is none.
    public let executable: String?
    public var maxImagePixels: Int
    public var timeLimit: Duration
    /// A larger thumbnail file is an error.
    public var maxThumbnailBytes: Int

    /// `program` is a path (it contains a `/`) or a name looked up once, here, in `PATH`; empty
    /// means none.
    public init(program: String = "vipsthumbnail", maxImagePixels: Int = 100_000_000, timeLimit: Duration = .seconds(30), maxThumbnailBytes: Int = 1 << 20) {
        executable = Self.locate(program)
        self.maxImagePixels = maxImagePixels
        self.timeLimit = timeLimit
        self.maxThumbnailBytes = maxThumbnailBytes
    }

    public var isAvailable: Bool { executable != nil }

    static func locate(_ program: String, searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        guard !program.isEmpty else { return nil }
        let files = FileManager.default
        if program.contains("/") { return files.isExecutableFile(atPath: program) ? program : nil }
        // Relative entries would make the answer depend on the working directory.
        return (searchPath ?? "/usr/bin:/bin").split(separator: ":").lazy.filter { $0.hasPrefix("/") }.map { "\($0)/\(program)" }
            .first(where: files.isExecutableFile)
    }

    /// Writes a JPEG thumbnail of the image at `input` to `output` (which must end in `.jpg` or
    /// `.jpeg`), longest side at most `maxSide`, never enlarged; returns its size. Waits without
    /// holding a thread. On failure nothing is left at `output`.
    public func makeThumbnail(of input: String, to output: String) async throws -> Thumbnail {
        guard let executable else { throw Failure.unavailable }
        for path in [input, output] where !path.hasPrefix("/") || path.contains(where: { "[]%\0\n".contains($0) }) {
            throw Failure.unusablePath(path)
        }
        guard [".jpg", ".jpeg"].contains(where: output.lowercased().hasSuffix) else { throw Failure.unusablePath(output) }
        try checkInput(input)

        try? FileManager.default.removeItem(atPath: output)
        do {
            // `>`: only ever shrink. `strip`: no metadata (location, camera) in the preview.
            let arguments = [input, "--size", "\(Self.maxSide)x\(Self.maxSide)>", "-o", output + "[Q=80,strip,background=255]"]
            let outcome = try await ChildRun.run(executable, arguments, environment: Self.environment, timeLimit: timeLimit)
            if outcome.timedOut { throw Failure.timedOut(timeLimit) }
            guard outcome.status == 0 else { throw Failure.failed(status: outcome.status, output: outcome.output) }
            return try readThumbnail(output)
        } catch {
            try? FileManager.default.removeItem(atPath: output)
            throw error
        }
    }

    /// Only what the program needs: the server's secrets stay out of the child.
    static var environment: [String: String] {
        var environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C", "VIPS_BLOCK_UNTRUSTED": "1", "VIPS_CONCURRENCY": "1"]
        if let folder = ProcessInfo.processInfo.environment["TMPDIR"] { environment["TMPDIR"] = folder }
        return environment
    }

    private func checkInput(_ input: String) throws {
        guard let file = FileHandle(forReadingAtPath: input) else { throw Failure.unreadableInput("\(input) cannot be opened") }
        defer { try? file.close() }
        let head: Data
        do {
            head = try file.read(upToCount: ContentSniffer.headerSize) ?? Data()
        } catch {
            throw Failure.unreadableInput("\(error)")
        }
        switch ContentSniffer.sniff(head, maxImagePixels: maxImagePixels) {
        case .recognized(let content) where Self.inputTypes.contains(content.mimeType):
            return
        case .recognized(let content):
            throw Failure.notAnImage(content.mimeType)
        case .unrecognized:
            throw Failure.notAnImage("unrecognized content")
        case .refused(let reason):
            throw Failure.refused(reason)
        }
    }

    private func readThumbnail(_ output: String) throws -> Thumbnail {
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? nil
        guard let size else { throw Failure.badOutput("no file was written") }
        guard size > 0 else { throw Failure.badOutput("the file is empty") }
        guard size <= maxThumbnailBytes else { throw Failure.badOutput("the file has \(size) bytes, more than \(maxThumbnailBytes)") }
        guard let data = FileManager.default.contents(atPath: output) else { throw Failure.badOutput("the file cannot be read") }
        guard case .recognized(let content) = ContentSniffer.sniff(data, maxImagePixels: Self.maxSide * Self.maxSide),
            content.mimeType == "image/jpeg", let width = content.width, let height = content.height,
            width <= Self.maxSide, height <= Self.maxSide
        else { throw Failure.badOutput("the file is not a JPEG of at most \(Self.maxSide) × \(Self.maxSide) pixels") }
        return Thumbnail(width: width, height: height, byteCount: data.count)
    }
}

extension ThumbnailMaker {
    /// One run of the program: its exit, and the start of what it printed on stdout and stderr
    /// (one pipe for both, read as it comes so that the child never blocks on a full pipe).
    final class ChildRun: Sendable {
        struct Outcome: Sendable {
            var status: Int32
            var timedOut: Bool
            var output: String
        }

        private struct State {
            var pid: pid_t?
            var status: Int32?
            var outputClosed = false
            var output: [UInt8] = []
            var timedOut = false
            var waiter: CheckedContinuation<Void, Never>?
        }

        private let state = Mutex(State())
        /// `Process.run()` is not safe to call from several threads at once.
        private static let launching = Mutex(())

        static func run(_ executable: String, _ arguments: [String], environment: [String: String], timeLimit: Duration) async throws -> Outcome {
            let (readEnd, writeEnd) = try makePipe()
            let writer = FileHandle(fileDescriptor: writeEnd, closeOnDealloc: true)

            let child = ChildRun()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = writer
            process.standardError = writer
            process.terminationHandler = { ended in child.exited(ended.terminationStatus, signalled: ended.terminationReason == .uncaughtSignal) }

            let source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: .global())
            source.setEventHandler { child.drain(readEnd, source) }
            source.setCancelHandler {
                close(readEnd)
                child.update { $0.outputClosed = true }
            }
            do {
                try launching.withLock { _ in try process.run() }
            } catch {
                try? writer.close()
                source.setEventHandler {}
                source.activate()
                source.cancel()
                throw Failure.launchFailed("\(error)")
            }
            // Only the child may hold the write end, so that its exit ends the output.
            try? writer.close()
            child.update { $0.pid = process.processIdentifier }
            source.activate()

            let timer = Task {
                try await Task.sleep(for: timeLimit)
                child.kill(timedOut: true)
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in child.update { $0.waiter = continuation } }
            } onCancel: {
                child.kill(timedOut: false)
            }
            timer.cancel()
            source.cancel()
            try Task.checkCancellation()
            return withExtendedLifetime(process) {
                child.state.withLock { state in
                    Outcome(status: state.status ?? -1, timedOut: state.timedOut, output: String(decoding: state.output, as: UTF8.self))
                }
            }
        }

        /// Both ends close on exec, so that no other child of the server inherits the write end and
        /// keeps the output open (one spawned between `pipe` and `fcntl` still could: the grace
        /// period after the exit covers that); the read end does not block.
        private static func makePipe() throws -> (read: Int32, write: Int32) {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw Failure.launchFailed(String(cString: strerror(errno))) }
            guard ends.allSatisfy({ fcntl($0, F_SETFD, FD_CLOEXEC) == 0 }) else {
                let reason = String(cString: strerror(errno))
                ends.forEach { close($0) }
                throw Failure.launchFailed(reason)
            }
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            return (ends[0], ends[1])
        }

        /// Applies `change`, then resumes the waiter once the child has exited and its output has
        /// ended.
        private func update(_ change: (inout State) -> Void) {
            let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
                change(&state)
                guard state.status != nil, state.outputClosed, let waiter = state.waiter else { return nil }
                state.waiter = nil
                return waiter
            }
            waiter?.resume()
        }

        func exited(_ status: Int32, signalled: Bool) {
            update { $0.status = signalled ? 128 + status : status }
            guard !state.withLock({ $0.outputClosed }) else { return }
            // A grandchild could hold the pipe open: the exit is what counts.
            Task {
                try? await Task.sleep(for: .seconds(1))
                self.update { $0.outputClosed = true }
            }
        }

        func drain(_ descriptor: Int32, _ source: any DispatchSourceRead) {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    state.withLock { state in
                        let room = ThumbnailMaker.keptOutput - state.output.count
                        if room > 0 { state.output += buffer.prefix(min(room, count)) }
                    }
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    if count == 0 || errno != EAGAIN { source.cancel() }
                    return
                }
            }
        }

        func kill(timedOut: Bool) {
            state.withLock { state in
                guard state.status == nil, let pid = state.pid else { return }
                if timedOut { state.timedOut = true }
                // SIGKILL: the child may have inherited a mask that blocks SIGTERM. `Process`
                // starts it in a group of its own; the whole group goes, since Foundation learns
                // of the exit only when every process holding the child's end of its socket has.
                signalProcess(-pid, SIGKILL)
                signalProcess(pid, SIGKILL)
            }
        }
    }
}

/// `kill(2)`, under a name the run's own `kill(timedOut:)` does not hide.
private func signalProcess(_ pid: pid_t, _ signal: Int32) {
    _ = kill(pid, signal)
}
