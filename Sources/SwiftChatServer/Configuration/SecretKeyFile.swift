import Foundation
import Logging

/// Without `SECRET_KEY`, a random key is made once and kept beside the database, so tokens
/// survive restarts (D4).
enum SecretKeyFile {
    static func loadOrCreate(besideDatabase databasePath: String, logger: Logger) throws -> String {
        let folder = URL(fileURLWithPath: databasePath).deletingLastPathComponent()
        let file = folder.appendingPathComponent("secret_key")
        if FileManager.default.fileExists(atPath: file.path) {
            // Never replaced: a new key would log every user out.
            guard let existing = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                  existing.utf8.count >= 32
            else { throw ConfigurationError("SECRET_KEY", "unset, and \(file.path) is unreadable or shorter than 32 bytes") }
            return existing
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<48).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = Data(bytes).base64EncodedString()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data(key.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError("SECRET_KEY", "unset, and a generated key cannot be stored at \(file.path)")
        }
        logger.notice("SECRET_KEY is not set: generated one and stored it beside the database", metadata: ["file": "\(file.path)"])
        return key
    }
}
