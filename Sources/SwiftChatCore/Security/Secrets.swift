import Crypto
import Foundation
import HummingbirdBcrypt

/// Password hashing with bcrypt. Slow on purpose; the cost is a setting.
public struct PasswordHasher: Sendable {
    public let cost: UInt8

    public init(cost: UInt8) {
        self.cost = cost
    }

    public func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    public func verify(_ password: String, against hash: String) -> Bool {
        guard !hash.isEmpty else { return false }
        return Bcrypt.verify(password, hash: hash)
    }
}

/// One-time codes: drawn from the system CSPRNG, stored only as an HMAC keyed with the
/// server secret. A keyed hash (not the password KDF) keeps a login at microseconds while a
/// stolen table still does not give the codes away without the key.
public struct OTPCodec: Sendable {
    private let key: SymmetricKey

    public init(secret: String) {
        self.key = SymmetricKey(data: SHA256.hash(data: Data("swiftchat-otp:\(secret)".utf8)))
    }

    /// A 4-digit code in 1000...9999, like the original's, but uniform from a CSPRNG.
    public func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(Int.random(in: 1000...9999, using: &generator))
    }

    public func hash(code: String, phoneNumber: String, purpose: OTPPurpose) -> String {
        let message = Data("\(purpose.rawValue)|\(phoneNumber)|\(code)".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
