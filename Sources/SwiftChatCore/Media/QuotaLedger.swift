import Synchronization

/// Bytes promised to uploads still under way, per user, in this process: an upload that could
/// not fit beside the others is refused before its body is read. The store's check when the
/// attachment is written stays the one that counts (it also sees other processes).
public final class QuotaLedger: Sendable {
    private let reserved = Mutex<[UserID: Int64]>([:])

    public init() {}

    /// Reserves `bytes` if `used` plus everything reserved plus `bytes` stays within `quota`.
    public func reserve(_ bytes: Int64, for user: UserID, used: Int64, quota: Int64) -> Bool {
        reserved.withLock { table in
            let current = table[user, default: 0]
            guard used + current + bytes <= quota else { return false }
            table[user] = current + bytes
            return true
        }
    }

    public func release(_ bytes: Int64, for user: UserID) {
        reserved.withLock { table in
            let left = table[user, default: 0] - bytes
            table[user] = left > 0 ? left : nil
        }
    }
}
