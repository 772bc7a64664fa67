import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatServer

/// The OpenAPI document is generated from the route table; these tests hold the table, the
/// router and the document to each other, so none can drift.
@Suite struct OpenAPITests {
    /// (path template, method) of every operation in a served document.
    static func operations(_ document: [String: Any]) -> Set<String> {
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        return Set(paths.flatMap { path, item in item.keys.map { "\($0.uppercased()) \(path)" } })
    }

    @Test func documentListsExactlyTheRoutedOperations() async throws {
        try await withApp { client, runtime in
            let served = try await client.call(.get, "/swagger.json/")
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == "application/json")
            let documented = Self.operations(served.dictionary)
            let routed = Set(runtime.routes.all.map { "\($0.method.rawValue) \($0.path)" })
            #expect(documented == routed)
            #expect(documented.count >= 29)
            #expect(served.dictionary["openapi"] as? String == "3.1.0")
        }
    }

    /// Every documented operation reaches a handler (no unrouted 404 or 405) and answers one of
    /// its documented statuses, called without credentials and with an empty JSON body.
    @Test func everyDocumentedOperationIsRoutedAndAnswersADocumentedStatus() async throws {
        try await withApp { client, _ in
            let document = try await client.call(.get, "/swagger.json/").dictionary
            let paths = document["paths"] as? [String: [String: [String: Any]]] ?? [:]
            var checked = 0
            for (template, operations) in paths {
                for (method, operation) in operations {
                    let path = template.replacingOccurrences(of: "{asset}", with: "swagger-ui.css")
                        .replacingOccurrences(of: #"\{[a-z_]+\}"#, with: "1", options: .regularExpression)
                    let reply = try await client.call(HTTPRequest.Method(method.uppercased())!, path, json: method == "post" || method == "put" || method == "patch" ? "{}" : nil)
                    let documented = Set((operation["responses"] as? [String: Any] ?? [:]).keys)
                    #expect(documented.contains(String(reply.status.code)), "\(method) \(path) answered \(reply.status.code): \(reply.text)")
                    if operation["security"] != nil {
                        #expect(reply.status == .unauthorized, "\(method) \(path) must need credentials")
                    }
                    checked += 1
                }
            }
            #expect(checked >= 29)
        }
    }

    @Test func undocumentedPathsAreNotRouted() async throws {
        try await withApp { client, _ in
            for path in ["/api/", "/api/core/users/", "/api/my_app/interests/1/chat/", "/swagger/extra/"] {
                let reply = try await client.call(.get, path)
                #expect(reply.status == .notFound, "\(path)")
            }
        }
    }

    @Test func yamlAndJSONCarryTheSameDocument() async throws {
        try await withApp { client, _ in
            let json = try await client.call(.get, "/swagger.json/")
            let yaml = try await client.call(.get, "/swagger.yaml/")
            #expect(yaml.status == .ok)
            #expect(yaml.headers[.contentType]?.hasPrefix("application/yaml") == true)
            #expect(yaml.text.hasPrefix("\"openapi\": \"3.1.0\"\n"))
            // Every path and schema name of the JSON appears as a YAML key.
            let paths = (json.dictionary["paths"] as? [String: Any] ?? [:]).keys
            for path in paths { #expect(yaml.text.contains("\n  \"\(path)\":\n"), "\(path)") }
        }
    }

    @Test(arguments: ["/swagger.json", "/swagger.yaml", "/swagger"])
    func schemaRoutesRedirectWithoutTheSlash(path: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.get, path)
            #expect(reply.status == .movedPermanently)
            #expect(reply.headers[.location] == path + "/")
        }
    }

    @Test func documentDescribesTheJWTSchemeAndTheWebSocket() async throws {
        try await withApp { client, _ in
            let document = try await client.call(.get, "/swagger.json/").dictionary
            let components = document["components"] as? [String: Any] ?? [:]
            let schemes = components["securitySchemes"] as? [String: [String: Any]] ?? [:]
            #expect(schemes["JWT"]?["name"] as? String == "Authorization")
            #expect(schemes["JWT"]?["in"] as? String == "header")
            let info = document["info"] as? [String: Any] ?? [:]
            let overview = info["description"] as? String ?? ""
            for phrase in ["/ws/?token=", "notification_stream", "UPDATE_INTEREST", "UPDATE_CHAT", "\"stream\": \"error\""] {
                #expect(overview.contains(phrase), "the WebSocket description lacks \(phrase)")
            }
            // Error shapes are documented: every operation with a request body documents 400.
            let paths = document["paths"] as? [String: [String: [String: Any]]] ?? [:]
            for (path, operations) in paths {
                for (method, operation) in operations where operation["requestBody"] != nil {
                    let responses = operation["responses"] as? [String: Any] ?? [:]
                    #expect(responses["400"] != nil, "\(method) \(path) does not document 400")
                }
            }
        }
    }

    @Test func swaggerPageLoadsThePinnedReleaseWithIntegrityByDefault() async throws {
        try await withApp { client, _ in
            let page = try await client.call(.get, "/swagger/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            for asset in SwaggerController.assets {
                #expect(page.text.contains("swagger-ui-dist@\(SwaggerController.cdnVersion)/\(asset.file)\" integrity=\"\(asset.integrity)\""))
            }
            #expect(page.text.contains("<script src=\"/swagger/init.js\"></script>"))
            #expect(try await client.call(.get, "/swagger/init.js").text.contains("url: \"/swagger.json/\""))
            // Without a local copy, none of Swagger UI's own files is served.
            #expect(try await client.call(.get, "/swagger/swagger-ui.css").status == .notFound)
        }
    }

    @Test func aLocalCopyOfTheUIIsServedWhenConfigured() async throws {
        try await withTemporaryDirectory { folder in
            try "/* bundle */".write(to: folder.appendingPathComponent("swagger-ui-bundle.js"), atomically: true, encoding: .utf8)
            try "/* css */".write(to: folder.appendingPathComponent("swagger-ui.css"), atomically: true, encoding: .utf8)
            try "secret".write(to: folder.appendingPathComponent("other.txt"), atomically: true, encoding: .utf8)
            try await withApp(environment: ["SWIFTCHAT_SWAGGER_UI_DIR": folder.path]) { client, _ in
                let page = try await client.call(.get, "/swagger/")
                #expect(page.text.contains("src=\"/swagger/swagger-ui-bundle.js\""))
                #expect(!page.text.contains("cdn.jsdelivr.net"))
                let bundle = try await client.call(.get, "/swagger/swagger-ui-bundle.js")
                #expect(bundle.status == .ok)
                #expect(bundle.text == "/* bundle */")
                #expect(bundle.headers[.contentType]?.hasPrefix("text/javascript") == true)
                #expect(try await client.call(.get, "/swagger/other.txt").status == .notFound)
            }
        }
    }

    @Test func aUIFolderWithoutTheBundleStopsStartup() throws {
        #expect {
            try Settings.load(environment: ["SWIFTCHAT_SWAGGER_UI_DIR": "/nonexistent-swagger-ui"], readEnvFile: false)
        } throws: { "\($0)".contains("SWIFTCHAT_SWAGGER_UI_DIR") }
    }
}
