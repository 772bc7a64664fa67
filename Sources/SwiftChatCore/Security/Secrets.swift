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

    /// bcrypt reads at most 72 bytes and stops at a NUL, so longer passwords or ones with a NUL
    /// would be cut without a word: they are refused instead. nil when the password is usable.
    public static func problem(with password: String) -> String? {
        if password.utf8.count > maxBytes { return "Ensure this password has no more than \(maxBytes) bytes in UTF-8." }
        if password.utf8.contains(0) { return ErrorText.nullCharacters }
        return nil
    }

    public static let maxBytes = 72

    public func verify(_ password: String, against hash: String) async -> Bool {
        // A password bcrypt would cut can never be the one that was registered.
        guard !hash.isEmpty, Self.problem(with: password) == nil else { return false }
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
    /// Digits per code.
    public let length: Int

    public init(secret: String, length: Int = 4) {
        self.key = SymmetricKey(data: SHA256.hash(data: Data("swiftchat-otp:\(secret)".utf8)))
        self.length = length
    }

    /// How many different codes there are: the first digit is never 0 (a client that sends
    /// the code as a JSON number, as the original's does, would lose it).
    public var codeCount: Int { 9 * Self.power(length - 1) }

    /// A code of `length` digits (4 gives 1000...9999, like the original's), uniform from a CSPRNG.
    public func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let smallest = Self.power(length - 1)
        return String(Int.random(in: smallest...(10 * smallest - 1), using: &generator))
    }

    private static func power(_ exponent: Int) -> Int { (0..<exponent).reduce(1) { product, _ in product * 10 } }

    public func hash(code: String, phoneNumber: String, purpose: OTPPurpose) -> String {
        let message = Data("\(purpose.rawValue)|\(phoneNumber)|\(code)".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
