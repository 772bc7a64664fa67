import Foundation

/// One change made through the admin site: who (id and phone, kept even after the actor is
/// deleted), what (`action` on `target`, such as "user.deactivate" on "user 7"), when, and the
/// record before and after as JSON text (nil where there was none).
public struct AuditEntry: Sendable, Equatable {
    /// 0 until the store assigns one.
    public var id: Int64
    public var actorID: UserID
    public var actorPhone: String
    public var action: String
    public var target: String
    public var before: String?
    public var after: String?
    public var at: Date

    public init(
        id: Int64 = 0, actorID: UserID, actorPhone: String, action: String, target: String, before: String?, after: String?, at: Date
    ) {
        self.id = id
        self.actorID = actorID
        self.actorPhone = actorPhone
        self.action = action
        self.target = target
        self.before = before
        self.after = after
        self.at = at
    }
}
