import Foundation
import Logging

/// Something for the demo users to look at in dev mode: accepted interests, short histories in
/// two of their direct conversations and a group. Written through the store like any other
/// change, so every write logs its v2 events in its own transaction and v1 and v2 both see it.
///
/// Created at most once per database, decided by a marker in the database rather than by
/// looking for the content: what a person deletes later is never brought back. The marker is
/// claimed before anything is written, so of several processes starting at once only one writes;
/// a process that dies halfway leaves the content partial, and it is not retried. A demo that
/// people have used already (one of the cast is in a conversation) gets nothing added.
///
/// Connected: Rahul–Alice and Alice–Maria (with histories), John–Maria (no messages yet), and the
/// group "Weekend trip" (Alice, owner, with Rahul and Maria). Everything else is left for a person
/// to try: Alice–John, Rahul–Maria, Rahul–John, and anything with Chen.
public struct DemoContentSeeder: Sendable {
    public struct Outcome: Sendable, Equatable, CustomStringConvertible {
        public var interests: Int
        public var groups: Int
        public var messages: Int

        public init(interests: Int, groups: Int, messages: Int) {
            self.interests = interests
            self.groups = groups
            self.messages = messages
        }

        public static let none = Outcome(interests: 0, groups: 0, messages: 0)

        public var description: String {
            guard self != .none else { return "none" }
            func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
            return [counted(interests, "accepted interest"), counted(groups, "group"), counted(messages, "message")].joined(separator: ", ")
        }
    }

    /// The marker recorded once the content is claimed.
    public static let marker = "demo_content"

    /// Who, by first name in `Seeder.demoUsers`.
    enum Person: String, CaseIterable {
        case john = "John", alice = "Alice", rahul = "Rahul", maria = "Maria"
    }

    struct Line {
        let author: Person
        let text: String
    }

    struct Friendship {
        let from: Person
        let to: Person
        let history: [Line]
    }

    static let friendships: [Friendship] = [
        Friendship(from: .rahul, to: .alice, history: [
            Line(author: .rahul, text: "Hi Alice! Thanks for accepting."),
            Line(author: .alice, text: "Hi Rahul, good to meet you here."),
            Line(author: .rahul, text: "Are you coming to the meetup on Thursday?"),
            Line(author: .alice, text: "Yes, I'll be there around 7."),
            Line(author: .rahul, text: "Great, see you then!"),
        ]),
        Friendship(from: .alice, to: .maria, history: [
            Line(author: .alice, text: "Maria, do you still have the photos from the hike?"),
            Line(author: .maria, text: "I do! I'll put the best ones in the group."),
            Line(author: .alice, text: "Thank you!"),
        ]),
        Friendship(from: .john, to: .maria, history: []),
    ]

    static let groupTitle = "Weekend trip"
    static let groupOwner = Person.alice
    static let groupMembers: [Person] = [.rahul, .maria]
    static let groupHistory: [Line] = [
        Line(author: .alice, text: "Who's in for the lake on Saturday?"),
        Line(author: .maria, text: "Me! I can drive."),
        Line(author: .rahul, text: "Count me in, I'll bring snacks."),
        Line(author: .alice, text: "Perfect. Let's meet at the station at 9."),
    ]

    /// Minutes between two steps of the story, which ends about now.
    static let stepMinutes = 4.0

    let store: any ChatStore
    let logger: Logger
    let now: @Sendable () -> Date

    public init(store: any ChatStore, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.logger = logger
        self.now = now
    }

    /// Creates the content unless it was claimed before, some of the cast is missing, or the cast
    /// already uses the demo.
    @discardableResult
    public func seed() async throws -> Outcome {
        if try await store.hasMarker(Self.marker) { return .none }
        var cast: [Person: User] = [:]
        for person in Person.allCases {
            guard let phone = Seeder.demoUsers.first(where: { $0.first == person.rawValue })?.phone,
                  let user = try await store.user(phoneNumber: phone)
            else { return .none }  // demo users not seeded (or gone): nothing to build on
            cast[person] = user
        }
        guard try await store.claimMarker(Self.marker, at: now()) else { return .none }
        for user in cast.values where try await !store.conversations(of: user.id, after: nil, limit: 1).conversations.isEmpty {
            logger.info("demo users already have conversations; no demo content added")
            return .none
        }
        let outcome = try await write(cast: cast)
        logger.info("demo content created", metadata: [
            "interests": "\(outcome.interests)", "groups": "\(outcome.groups)", "messages": "\(outcome.messages)",
        ])
        return outcome
    }

    private func write(cast: [Person: User]) async throws -> Outcome {
        func id(_ person: Person) -> UserID { cast[person]!.id }
        let steps = Self.friendships.reduce(0) { $0 + 2 + $1.history.count } + 1 + Self.groupHistory.count
        var moment = now().addingTimeInterval(-Double(steps) * Self.stepMinutes * 60)
        func next() -> Date {
            moment = moment.addingTimeInterval(Self.stepMinutes * 60)
            return moment
        }
        var outcome = Outcome.none
        for friendship in Self.friendships {
            let interest = try await store.createInterest(from: id(friendship.from), to: id(friendship.to), at: next())
            _ = try await store.acceptInterest(id: interest.id, at: next())
            outcome.interests += 1
            for line in friendship.history {
                _ = try await store.createMessage(in: interest.id, by: id(line.author), text: line.text, at: next())
                outcome.messages += 1
            }
        }
        let group = try await store.createGroup(
            title: Self.groupTitle, by: id(Self.groupOwner), members: Self.groupMembers.map(id), at: next())
        outcome.groups += 1
        for line in Self.groupHistory {
            _ = try await store.postMessage(in: group.id, by: id(line.author), text: line.text, clientID: nil, at: next())
            outcome.messages += 1
        }
        return outcome
    }
}
