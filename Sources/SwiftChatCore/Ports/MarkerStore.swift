import Foundation

/// One-time jobs recorded in the database (rows of `swiftchat_meta`), so that a job done once is
/// not done again by any process of the deployment, at any later start.
public protocol MarkerStore: Sendable {
    /// Records `marker`; true when this call recorded it, false when it was there already.
    /// Atomic: of several processes claiming the same marker at once, exactly one gets true.
    func claimMarker(_ marker: String, at date: Date) async throws -> Bool
    /// Whether `marker` was recorded.
    func hasMarker(_ marker: String) async throws -> Bool
}

extension MarkerStore {
    /// The key of `marker` in `swiftchat_meta`, apart from the store's own keys (`epoch`).
    public static func metaKey(of marker: String) -> String { "marker:" + marker }
}
