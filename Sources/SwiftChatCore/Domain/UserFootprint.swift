/// What deleting a user takes with them, counted for the admin site's confirmation page.
public struct UserFootprint: Sendable, Equatable {
    public var user: User
    /// Interests they sent or received (each with its direct conversation).
    public var interests: Int
    /// Messages they sent, in every conversation.
    public var messages: Int
    /// Groups they are a member of (they leave them; ownership passes on).
    public var groups: Int

    public init(user: User, interests: Int, messages: Int, groups: Int) {
        self.user = user
        self.interests = interests
        self.messages = messages
        self.groups = groups
    }
}
