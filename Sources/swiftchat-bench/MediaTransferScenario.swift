import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Upload and download through the binary: one file of `size` bytes posted as multipart (made
/// on the fly, never held whole by the bench), the server's resident memory sampled while it
/// streams to storage, then the file fetched back by its link and compared by length.
enum MediaTransferScenario {
    static let name = "media transfer"
    static let chunk = 256 * 1024

    static func run(_ context: ScenarioContext, account: Account, size: Int) async throws -> [Measurement] {
        let boundary = "swiftchat-bench-\(UUID().uuidString)"
        let head = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.bin\"\r\n\r\n")
        let tail = ByteBuffer(string: "\r\n--\(boundary)--\r\n")
        // A PDF header makes the bytes an accepted type; the rest is filler.
        var first = ByteBuffer(string: "%PDF-1.4\n")
        first.writeRepeatingByte(UInt8(ascii: "x"), count: chunk - first.readableBytes)
        var filler = ByteBuffer()
        filler.writeRepeatingByte(UInt8(ascii: "y"), count: chunk)
        let pieces = size / chunk
        let parts: [ByteBuffer] = [head, first] + Array(repeating: filler, count: max(0, pieces - 1)) + [tail]
        let length = parts.reduce(0) { $0 + $1.readableBytes }
        let fileSize = length - head.readableBytes - tail.readableBytes

        var request = HTTPClientRequest(url: context.server.baseURL + "/api/v2/uploads/")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "JWT \(account.token)")
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
        request.body = .stream(parts.async, length: .known(Int64(length)))

        let baseline = context.server.residentBytes()
        let peak = Atomic64Max()
        let sampler = Task {
            while !Task.isCancelled {
                if let rss = context.server.residentBytes() { peak.observe(rss) }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let uploadStart = monotonicNanos()
        let response = try await context.client.http.execute(request, timeout: .seconds(600))
        let answer = try await response.body.collect(upTo: 1 << 20)
        let uploadSeconds = Double(monotonicNanos() - uploadStart) / 1e9
        sampler.cancel()
        guard response.status.code == 201,
            let json = try JSONSerialization.jsonObject(with: Data(buffer: answer)) as? [String: Any], let url = json["url"] as? String
        else { throw BenchError(description: "upload answered \(response.status.code): \(String(buffer: answer))") }

        let downloadStart = monotonicNanos()
        let download = try await context.client.http.execute(HTTPClientRequest(url: context.server.baseURL + url), timeout: .seconds(600))
        var received = 0
        for try await piece in download.body { received += piece.readableBytes }
        let downloadSeconds = Double(monotonicNanos() - downloadStart) / 1e9
        let megabytes = Double(fileSize) / 1_048_576
        var metrics: [(String, Double)] = [
            ("upload_MB_per_s", megabytes / uploadSeconds), ("download_MB_per_s", megabytes / downloadSeconds),
        ]
        if let baseline, let top = peak.value {
            metrics.append(("rss_rise_during_upload_MB", Double(max(0, top - baseline)) / 1_048_576))
        }
        return [Measurement(
            scenario: name, parameters: "\(Int(megabytes)) MB file, local disk", metrics: metrics,
            lost: received == fileSize ? 0 : 1, note: received == fileSize ? nil : "downloaded \(received) of \(fileSize) bytes")]
    }
}

/// The largest value seen, from concurrent tasks.
final class Atomic64Max: Sendable {
    private let largest = Mutex<Int?>(nil)
    func observe(_ value: Int) { largest.withLock { $0 = max($0 ?? value, value) } }
    var value: Int? { largest.withLock { $0 } }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence, for streaming request bodies.
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
