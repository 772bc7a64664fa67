import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP connection with a deadline on every read, for tests that must send what no
/// HTTP client library would: half a request head, a head a byte at a time, a body that never
/// ends. The socket is non-blocking and waits are short sleeps: a blocked thread, of the
/// concurrency pool or of a dispatch queue, could starve the server under test, which shares them.
final class RawTCPConnection: @unchecked Sendable {
    private let descriptor: Int32

    /// A failed connect leaves closing to `deinit`, which runs for an initializer that throws
    /// once every property is set: closing here as well would close the number twice, and the
    /// second time it may already name another thread's socket (a Redis subscription, once).
    init(port: Int) throws {
        // Close-on-exec, so that a server process a test starts does not hold the connection open.
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    /// How long a wait sleeps before it tries the socket again.
    private static let step: Duration = .milliseconds(5)

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Ends the connection both ways now, as a client that goes away mid-request does; the
    /// descriptor itself is released with the object.
    func shutDown() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// Sends everything; false when the server has closed the connection.
    /// Sends everything (waiting while the server does not read, for at most 30 s); false when
    /// the server has closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && ContinuousClock.now < deadline {
                try? await Task.sleep(for: Self.step)
            } else {
                return false
            }
        }
        return true
    }

    @discardableResult
    func send(_ text: String) async -> Bool { await send(Array(text.utf8)) }

    enum ReadResult: Equatable, Sendable {
        case bytes([UInt8])
        /// The server closed (or reset) the connection.
        case closed
        /// Nothing within the deadline.
        case timedOut
    }

    /// One read of what is there, waiting at most `timeout`.
    func read(timeout: Duration) async -> ReadResult {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 { return .bytes(Array(buffer.prefix(count))) }
            if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { return .closed }
            if ContinuousClock.now >= deadline { return .timedOut }
            try? await Task.sleep(for: Self.step)
        }
    }

    /// Everything until the server closes, or nil when it has not closed within `timeout`.
    func readUntilClosed(timeout: Duration) async -> [UInt8]? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var received: [UInt8] = []
        while ContinuousClock.now < deadline {
            switch await read(timeout: deadline - ContinuousClock.now) {
            case .bytes(let bytes): received += bytes
            case .closed: return received
            case .timedOut: return nil
            }
        }
        return nil
    }

    /// Reads until `marker` has arrived (e.g. the end of a response), or nil at the deadline.
    func read(until marker: String, timeout: Duration) async -> String? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var received: [UInt8] = []
        while ContinuousClock.now < deadline {
            guard case .bytes(let bytes) = await read(timeout: deadline - ContinuousClock.now) else { return nil }
            received += bytes
            let text = String(decoding: received, as: UTF8.self)
            if text.contains(marker) { return text }
        }
        return nil
    }
}
