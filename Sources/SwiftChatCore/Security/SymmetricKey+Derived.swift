import Crypto
import Foundation

extension SymmetricKey {
    /// A key of its own for one purpose, made from the server's secret, so that a signature made
    /// for one purpose (a download link) is never valid for another (an upload form, a token).
    static func derived(from secret: String, for purpose: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }
}
