/// Finding people: the filtered user list and each user's choice to be found by phone.
public protocol UserDirectoryStore: Sendable {
    /// Everyone but `caller` who matches, in id order, after `after`, at most `limit` (nil: all).
    func users(matching filter: UserFilter, for caller: UserID, after: UserID?, limit: Int?) async throws -> [User]
    func isSearchableByPhone(_ user: UserID) async throws -> Bool
    func setSearchableByPhone(_ user: UserID, _ searchable: Bool) async throws
}
