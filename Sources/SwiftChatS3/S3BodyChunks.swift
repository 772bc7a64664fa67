import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import SwiftChatCore

/// The body of a GetObject answer as a stream of `Data` that reads the next chunk off the
/// connection only when the consumer asks for it: a slow reader holds one chunk, not the blob.
/// Dropping the stream drops the body, which ends the request.
final class S3BodyChunks: @unchecked Sendable {
    // Only touched by `next()`, which the stream calls one at a time (its iterator is not
    // Sendable, so there is a single consumer).
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ body: HTTPClientResponse.Body) {
        iterator = body.makeAsyncIterator()
    }

    func stream() -> AsyncThrowingStream<Data, any Error> {
        AsyncThrowingStream(unfolding: { try await self.next() })
    }

    private func next() async throws -> Data? {
        do {
            guard let buffer = try await iterator.next() else { return nil }
            return Data(buffer: buffer)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw BlobStorageError.failed("GetObject: the body broke off: \(error)")
        }
    }
}
