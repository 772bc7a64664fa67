import Foundation
import Hummingbird
import SwiftChatCore

/// A request body read whole, up to a limit: a larger one is a 413 (while the client may still
/// be sending it).
enum BoundedBody {
    static func bytes(of request: Request, maxSize: Int) async throws -> Data {
        do {
            return Data(try await request.body.collect(upTo: maxSize).readableBytesView)
        } catch {
            throw APIError.payloadTooLarge("Request body is larger than \(maxSize) bytes.")
        }
    }

    /// Nothing but JSON whitespace (an empty body counts as no fields).
    static func isBlank(_ bytes: Data) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    }
}
