import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// A tiny HTTP server standing in for an SMS provider (a webhook, Twilio's API): it records every
/// POST to any path, with the headers a provider checks, and answers a fixed status and body.
final class GatewayRecorder: Sendable {
    struct Request: Sendable {
        let path: String
        let contentType: String?
        let authorization: String?
        let body: String
    }

    private let requests = Mutex<[Request]>([])

    var all: [Request] { requests.withLock { $0 } }

    func record(_ request: Request) { requests.withLock { $0.append(request) } }

    /// Runs the server on loopback and passes its base URL (no trailing slash) to `body`.
    static func serve(
        answering status: HTTPResponse.Status, body answer: String = "{}",
        _ body: @escaping @Sendable (String, GatewayRecorder) async throws -> Void
    ) async throws {
        let recorder = GatewayRecorder()
        let router = Router()
        router.post("**") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 16)
            recorder.record(Request(
                path: request.uri.path, contentType: request.headers[.contentType], authorization: request.headers[.authorization],
                body: String(buffer: buffer)))
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        let gateway = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: testLogger)
        try await gateway.test(.live) { gatewayClient in
            let port = try #require(gatewayClient.port)
            try await body("http://127.0.0.1:\(port)", recorder)
        }
    }
}
