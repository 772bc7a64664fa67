import Synchronization

/// The database's epoch, read once per process: it is made with the database and only
/// `move-data` (run while the server is stopped) replaces it, so every subscribe need not ask.
final class EpochCache: Sendable {
    private let value = Mutex<String?>(nil)

    func value(reading read: () async throws -> String) async throws -> String {
        if let known = value.withLock({ $0 }) { return known }
        let epoch = try await read()
        value.withLock { $0 = epoch }
        return epoch
    }
}
