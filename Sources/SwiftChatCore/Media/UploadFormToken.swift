import Crypto
import Foundation

/// The signed field of an upload form: who may post a file with it, until when, and (for a
/// presigned upload into a bucket) under which key. It stands in for the bearer token, which a
/// browser's form post cannot send.
public struct UploadFormToken: Sendable {
    private let key: SymmetricKey

    public init(secret: String) {
        key = SymmetricKey.derived(from: secret, for: "swiftchat upload forms")
    }

    /// `<user>.<expires>.<key or ->.<signature>`.
    public func make(for user: UserID, storageKey: String?, expires: Int64) -> String {
        let body = "\(user).\(expires).\(storageKey ?? "-")"
        return body + "." + Hex.string(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key))
    }

    public struct Claims: Sendable, Equatable {
        public var user: UserID
        public var storageKey: String?
    }

    /// The token's claims, if it was made here and has not expired.
    public func verify(_ token: String, now: Date) -> Claims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, let user = UserID(parts[0]), let expires = Int64(parts[1]), let signature = Hex.bytes(parts[3]),
            HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data(parts[0...2].joined(separator: ".").utf8), using: key),
            Double(expires) >= now.timeIntervalSince1970
        else { return nil }
        return Claims(user: user, storageKey: parts[2] == "-" ? nil : String(parts[2]))
    }
}
