import Crypto
import Foundation
import HummingbirdBcrypt

/// Password hashing with bcrypt. Slow on purpose; the cost is a setting.
public struct PasswordHasher: Sendable {
    public let cost: UInt8

    public init(cost: UInt8) {
        self.cost = cost
    }

    /// Runs on a dispatch queue: a bcrypt round takes milliseconds of CPU and must not hold a
    /// thread of the concurrency pool that serves every request and socket.
    public func hash(_ password: String) async -> String {
        await Self.offPool { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async -> Bool {
        guard !hash.isEmpty else { return false }
        return await Self.offPool { Bcrypt.verify(password, hash: hash) }
    }

    /// The synchronous form, for start-up work such as the decoy hash.
    public func hashNow(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
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
