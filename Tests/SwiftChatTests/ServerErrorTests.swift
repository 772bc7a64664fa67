import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatServer

/// An unexpected failure answers the same fixed JSON whatever `DEBUG` says: no error text, no
/// type names, nothing of the stack (README: `DEBUG` "never changes what clients see").
@Suite struct ServerErrorTests {
    static let body = #"{"detail":"A server error occurred."}"#

    /// A store closed under a running app fails every query with an error no route expects
    /// (SQLite: "Connection is closed"; PostgreSQL: the pool's "poolShutdown", which is not a
    /// lost server, so not a 503).
    @Test(arguments: ["true", "false"])
    func aFailingStoreAnswersAFixedJSONBody(_ debug: String) async throws {
        try await withApp(environment: ["DEBUG": debug]) { client, runtime in
            let alice = try await client.session(Demo.alice)
            await runtime.store.close()

            let requests: [(HTTPRequest.Method, String, String?, String?)] = [
                (.get, "/api/core/user/me/", nil, alice.access),
                (.get, "/api/my_app/interests/", nil, alice.access),
                (.post, "/api/otp/gen/phone_number/", #"{"phone_number": "\#(Demo.rahul)", "otp_for": "A"}"#, nil),
            ]
            for (method, path, body, token) in requests {
                let reply = try await client.call(method, path, json: body, token: token)
                #expect(reply.status == .internalServerError, "\(method) \(path): \(reply.text)")
                #expect(reply.headers[.contentType] == "application/json", "\(method) \(path)")
                #expect(reply.text == Self.body, "\(method) \(path)")
                #expect(reply.headers[.contentLength] == String(reply.text.utf8.count), "\(method) \(path)")
            }
        }
    }
}
