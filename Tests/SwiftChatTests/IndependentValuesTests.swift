import Crypto
import Foundation
import Testing
import SwiftChatCore
@testable import SwiftChatServer

/// Expected values worked out here, from published files and documented formats, rather than
/// read back from the server's own code: a wrong constant or a changed format in the server
/// fails these tests instead of passing along with it.
@Suite struct IndependentValuesTests {
    /// swagger-ui-dist 5.33.1's files as published; the same bytes ship in the PyPI package
    /// `drf-spectacular-sidecar==2026.10.1` (`drf_spectacular_sidecar/static/drf_spectacular_sidecar/swagger-ui-dist/`).
    /// Computed with `openssl dgst -sha384 -binary FILE | openssl base64 -A`.
    static let publishedIntegrity = [
        "swagger-ui-bundle.js": "sha384-ZPehFMQommnnuaZ4rpxgkgTT2DKFVp4hZC/7pLit+9Lek9T1YGSo23eHFbvNkXkw",
        "swagger-ui.css": "sha384-Ov4/wv3j2bmct8cDc5X4ngJZohVPzEmc6uDPH8WeljUxO5vtoykvMEfbu9Vh6RaW",
    ]

    /// The page's `<script>`/`<link>` for `file`: the CDN address of the pinned release and its integrity.
    static func cdnTag(_ file: String, integrity: String) -> String {
        #"https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.33.1/\#(file)" integrity="\#(integrity)" crossorigin="anonymous""#
    }

    @Test("the Swagger page pins the published hashes of swagger-ui-dist 5.33.1")
    func swaggerIntegrityIsThePublishedOne() async throws {
        try await withApp { client, _ in
            let page = try await client.call(.get, "/swagger/")
            #expect(page.status == .ok)
            for (file, integrity) in Self.publishedIntegrity {
                #expect(page.text.contains(Self.cdnTag(file, integrity: integrity)), "\(file) in: \(page.text)")
            }
        }
    }

    /// With a local copy of the release (`SWIFTCHAT_SWAGGER_UI_DIR` or the sidecar package, as
    /// `.ci/run` installs), the published hashes are checked against the files themselves.
    @Test(
        "the published hashes are those of the files",
        .enabled(if: SwaggerBrowserTests.swaggerUIDirectory != nil || SwaggerBrowserTests.required,
                 "needs swagger-ui-dist 5.33.1's files (SWIFTCHAT_SWAGGER_UI_DIR or the drf-spectacular-sidecar package)"))
    func publishedHashesMatchTheFiles() throws {
        let folder = try #require(SwaggerBrowserTests.swaggerUIDirectory, "no swagger-ui-dist folder found")
        for (file, integrity) in Self.publishedIntegrity {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(file))
            #expect("sha384-" + Data(SHA384.hash(data: bytes)).base64EncodedString() == integrity, "\(file)")
        }
    }

    /// The stored form of a code (Sources/SwiftChatCore/Security/Secrets.swift): HMAC-SHA256,
    /// keyed with SHA-256 of `swiftchat-otp:<SECRET_KEY>`, over `<otp_for>|<phone_number>|<code>`,
    /// as lowercase hex. Codes pending at an upgrade only still work if this never changes.
    static func storedForm(code: String, phone: String, purpose: String, secret: String) -> String {
        let key = SymmetricKey(data: SHA256.hash(data: Data("swiftchat-otp:\(secret)".utf8)))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(purpose)|\(phone)|\(code)".utf8), using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    @Test("a code is stored as the HMAC of the documented message, for each purpose", arguments: ["A", "N"])
    func otpHashIsTheDocumentedHMAC(purpose: String) async throws {
        try await withApp { client, runtime in
            let code = try await client.rawOTP(freshPhone(1), for: purpose)
            try #require(code.count == 4 && code.allSatisfy(\.isNumber), "a dev-mode code: \(code)")
            let storedPurpose = try #require(OTPPurpose(rawValue: purpose))
            let stored = try #require(try await runtime.store.pendingOTP(phoneNumber: freshPhone(1), purpose: storedPurpose))
            let secret = "test-secret-key-that-is-long-enough-0123456789"  // testSettings' SECRET_KEY
            #expect(stored.codeHash == Self.storedForm(code: code, phone: freshPhone(1), purpose: purpose, secret: secret))
        }
    }

    /// A fixed vector, so that a change of the helper above is noticed too.
    @Test func otpHashVector() {
        #expect(Self.storedForm(code: "1234", phone: "+919812300001", purpose: "A", secret: "s")
            == "689a4d1dc42c24a25daf098a89a6f4f2c31f065342973771d27d03a2ff302ee1")  // Python's hmac module, same inputs
    }
}
