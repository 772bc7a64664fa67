import Foundation
import Testing
@testable import SwiftChatCore

/// The event log and conversation rules, the same on every store (SQLite and, when configured,
/// PostgreSQL): every change appends its events in its own transaction, seqs per user have no
/// gaps and no duplicates, and ownership passes as `v2-api.md` says.
@Suite("Event log conformance")
struct EventLogConformanceTests {
    static let epoch = StoreConformanceTests.epoch

    /// Users 1...count, created in the store.
    static func users(_ store: any ChatStore, _ count: Int) async throws -> [User] {
        var users: [User] = []
        for index in 1...count {
            users.append(try await store.createUser(NewUser(phoneNumber: freshPhone(index), firstName: "U\(index)"), at: epoch))
        }
        return users
    }

    static func allEvents(_ store: any ChatStore, of user: UserID) async throws -> [LoggedEvent] {
        var events: [LoggedEvent] = []
        while true {
            let slice = try await store.events(of: user, after: events.last?.seq ?? 0, limit: 100)
            if slice.events.isEmpty { return events }
            events += slice.events
        }
    }

    @Test("an interest brings its direct conversation and events; a v1 message is a message of it", arguments: TestBackends.stores)
    func interestOwnsDirectConversation(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let people = try await Self.users(store, 2)
            let (a, b) = (people[0].id, people[1].id)
            let interest = try await store.createInterest(from: a, to: b, at: Self.epoch)
            let page = try await store.conversations(of: b, after: nil, limit: 10)
            let direct = try #require(page.conversations.first)
            #expect(page.conversations.count == 1 && direct.kind == .direct && direct.interestID == interest.id && direct.title == nil)
            #expect(direct.memberIDs == [a, b] && direct.members.allSatisfy { $0.role == .member })
            let message = try await store.createMessage(in: interest.id, by: a, text: "hi", at: Self.epoch.addingTimeInterval(1))
            #expect(message.conversationID == direct.id && message.interestID == interest.id)
            let history = try await store.messages(in: direct.id, window: .latest, limit: 50)
            #expect(history.messages == [message] && !history.hasMore)
            for user in [a, b] {
                let types = try await Self.allEvents(store, of: user).map(\.type)
                #expect(types == [.interestChanged, .conversationCreated, .messageCreated])
                #expect(try await Self.allEvents(store, of: user).map(\.seq) == [1, 2, 3])
            }
            // Events carry the time the caller gives (the services' clock), not the store's own.
            let deletedAt = Self.epoch.addingTimeInterval(9)
            _ = try await store.deleteInterest(id: interest.id, at: deletedAt)
            #expect(try await Self.allEvents(store, of: a).last?.at == deletedAt)
            #expect(try await store.conversation(id: direct.id) == nil, "the conversation goes with its interest")
            #expect(try await Self.allEvents(store, of: b).suffix(2).map(\.type) == [.interestChanged, .conversationDeleted])
        }
    }

    @Test("seqs of each user have no gaps and no duplicates under concurrent writers", arguments: TestBackends.stores)
    func concurrentWritersKeepSeqsDense(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let people = try await Self.users(store, 4)
            let group = try await store.createGroup(title: "g", by: people[0].id, members: people.map(\.id), at: Self.epoch)
            let interest = try await store.createInterest(from: people[0].id, to: people[1].id, at: Self.epoch)
            // Writers in parallel: group posts by everyone and v1 posts on the interest.
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for writer in 0..<8 {
                    tasks.addTask {
                        for index in 0..<25 {
                            if writer.isMultiple(of: 4) {
                                _ = try await store.createMessage(in: interest.id, by: people[writer % 2].id, text: "v1 \(writer)-\(index)", at: Self.epoch)
                            } else {
                                _ = try await store.postMessage(
                                    in: group.id, by: people[writer % 4].id, text: "g \(writer)-\(index)", clientID: nil, at: Self.epoch)
                            }
                        }
                    }
                }
                try await tasks.waitForAll()
            }
            for person in people {
                let events = try await Self.allEvents(store, of: person.id)
                #expect(events.map(\.seq) == Array(1...Int64(events.count)), "dense seqs for user \(person.id)")
                let expected = 1 + 6 * 25 + (person.id == people[0].id || person.id == people[1].id ? 2 + 2 * 25 : 0)
                #expect(events.count == expected)
            }
        }
    }

    @Test("an owner who leaves hands the group to the longest-standing admin, else member; the last one out deletes it",
          arguments: TestBackends.stores)
    func ownershipPassesOn(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let people = try await Self.users(store, 4)
            let ids = people.map(\.id)
            let group = try await store.createGroup(title: "g", by: ids[0], members: [ids[1]], at: Self.epoch)
            _ = try await store.addMember(ids[2], to: group.id, role: .member, maxMembers: 10, at: Self.epoch.addingTimeInterval(1))
            _ = try await store.addMember(ids[3], to: group.id, role: .admin, maxMembers: 10, at: Self.epoch.addingTimeInterval(2))
            #expect(try await store.removeMember(ids[0], from: group.id, at: Self.epoch) == .removed(newOwner: ids[3]), "the admin, though newest")
            #expect(try await store.role(of: ids[3], in: group.id) == .owner)
            #expect(try await store.removeMember(ids[3], from: group.id, at: Self.epoch) == .removed(newOwner: ids[1]), "then the longest-standing")
            #expect(try await store.removeMember(ids[3], from: group.id, at: Self.epoch) == .notMember)
            #expect(try await store.removeMember(ids[1], from: group.id, at: Self.epoch) == .removed(newOwner: ids[2]))
            #expect(try await store.removeMember(ids[2], from: group.id, at: Self.epoch) == .groupDeleted)
            #expect(try await store.conversation(id: group.id) == nil)
            #expect(try await Self.allEvents(store, of: ids[2]).last?.type == .conversationDeleted)
        }
    }

    @Test("making a member owner demotes the old owner in the same change: never two owners", arguments: TestBackends.stores)
    func ownershipHandover(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let people = try await Self.users(store, 3)
            let ids = people.map(\.id)
            let group = try await store.createGroup(title: "g", by: ids[0], members: [ids[1], ids[2]], at: Self.epoch)
            let before = try await store.events(of: ids[2], after: 0, limit: 100).latestSeq
            #expect(try await store.changeRole(of: ids[1], in: group.id, to: .owner, at: Self.epoch)?.role == .owner)
            let roles = try await store.conversation(id: group.id)?.members.map(\.role)
            #expect(roles == [.admin, .owner, .member])
            let events = try await store.events(of: ids[2], after: before, limit: 100).events
            #expect(events.map(\.data) == [
                #"{"conversation":\#(group.id),"user":\#(ids[1]),"role":"owner"}"#, #"{"conversation":\#(group.id),"user":\#(ids[0]),"role":"admin"}"#,
            ])
        }
    }

    @Test("the member limit, duplicates and unknown users are refused without a change", arguments: TestBackends.stores)
    func memberBounds(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let people = try await Self.users(store, 3)
            let group = try await store.createGroup(title: "g", by: people[0].id, members: [people[1].id], at: Self.epoch)
            let before = try await store.events(of: people[0].id, after: 0, limit: 100).latestSeq
            await #expect(throws: StoreError.limitReached) {
                _ = try await store.addMember(people[2].id, to: group.id, role: .member, maxMembers: 2, at: Self.epoch)
            }
            await #expect(throws: StoreError.conflict) {
                _ = try await store.addMember(people[1].id, to: group.id, role: .member, maxMembers: 10, at: Self.epoch)
            }
            await #expect(throws: StoreError.missingReference) {
                _ = try await store.addMember(999_999, to: group.id, role: .member, maxMembers: 10, at: Self.epoch)
            }
            #expect(try await store.events(of: people[0].id, after: 0, limit: 100).latestSeq == before, "no events for refused changes")
            #expect(try await store.conversation(id: group.id)?.memberIDs == [people[0].id, people[1].id])
        }
    }

    @Test("a client_id posts once; history pages by id both ways", arguments: TestBackends.stores)
    func idempotentPostsAndPaging(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let people = try await Self.users(store, 2)
            let group = try await store.createGroup(title: "g", by: people[0].id, members: [people[1].id], at: Self.epoch)
            let first = try await store.postMessage(in: group.id, by: people[0].id, text: "once", clientID: "c-1", at: Self.epoch)
            let again = try await store.postMessage(in: group.id, by: people[0].id, text: "twice", clientID: "c-1", at: Self.epoch)
            guard case .created(let message) = first else { Issue.record("first post not created"); return }
            #expect(again == .existing(message))
            let other = try await store.postMessage(in: group.id, by: people[1].id, text: "theirs", clientID: "c-1", at: Self.epoch)
            #expect(other.message.id != message.id, "client ids are per sender")
            var ids = [message.id, other.message.id]
            for index in 0..<10 {
                ids.append(try await store.postMessage(in: group.id, by: people[0].id, text: "m\(index)", clientID: nil, at: Self.epoch).message.id)
            }
            let latest = try await store.messages(in: group.id, window: .latest, limit: 5)
            #expect(latest.messages.map(\.id) == Array(ids.suffix(5)) && latest.hasMore)
            let before = try await store.messages(in: group.id, window: .before(ids[7]), limit: 5)
            #expect(before.messages.map(\.id) == Array(ids[2..<7]) && before.hasMore)
            let oldest = try await store.messages(in: group.id, window: .before(ids[2]), limit: 5)
            #expect(oldest.messages.map(\.id) == Array(ids[0..<2]) && !oldest.hasMore)
            let after = try await store.messages(in: group.id, window: .after(ids[8]), limit: 5)
            #expect(after.messages.map(\.id) == Array(ids[9...]) && !after.hasMore)
        }
    }

    @Test("pruning keeps the retention count and age; a read past the pruned part asks for a resync", arguments: TestBackends.stores)
    func pruningAndResync(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let people = try await Self.users(store, 2)
            let group = try await store.createGroup(title: "g", by: people[0].id, members: [people[1].id], at: Self.epoch)
            for index in 0..<20 {
                _ = try await store.postMessage(in: group.id, by: people[0].id, text: "m\(index)", clientID: nil, at: Self.epoch)
            }
            let log = EventLogService(store: store, retention: .init(age: 60, count: 5), now: { Self.epoch.addingTimeInterval(3600) })
            #expect(try await log.prune(batch: 7) == 2 * 16, "21 events each, 5 kept each")
            let kept = try await Self.allEvents(store, of: people[1].id)
            #expect(kept.map(\.seq) == Array(17...21))
            #expect(try await log.read(of: people[1].id, since: 3, limit: 10) == .resyncRequired(oldestSeq: 17))
            guard case .events(let slice) = try await log.read(of: people[1].id, since: 16, limit: 10) else {
                Issue.record("a read right before the oldest kept event needs no resync")
                return
            }
            #expect(slice.events.map(\.seq) == Array(17...21) && slice.latestSeq == 21)
            // Events younger than the retention age stay, however many there are.
            let young = EventLogService(store: store, retention: .init(age: 7200, count: 1), now: { Self.epoch.addingTimeInterval(3600) })
            #expect(try await young.prune() == 0)
        }
    }

    @Test("move-data carries conversations, members, the event log and its epoch", arguments: TestBackends.stores)
    func moveDataCarriesTheLog(backend: StoreBackend) async throws {
        try await withStore(.sqlite) { source, _ in
            let people = try await Self.users(source, 3)
            let group = try await source.createGroup(title: "g ✓", by: people[0].id, members: [people[1].id, people[2].id], at: Self.epoch)
            _ = try await source.postMessage(in: group.id, by: people[1].id, text: "hello", clientID: "k", at: Self.epoch)
            let interest = try await source.createInterest(from: people[0].id, to: people[2].id, at: Self.epoch)
            _ = try await source.createMessage(in: interest.id, by: people[2].id, text: "v1", at: Self.epoch)
            _ = try await source.removeMember(people[0].id, from: group.id, at: Self.epoch)
            try await withStore(backend) { target, _ in
                try await DataMover(from: source, to: target, batchSize: 2).move()
                #expect(try await target.epoch() == source.epoch())
                for person in people {
                    #expect(try await Self.allEvents(target, of: person.id) == Self.allEvents(source, of: person.id))
                    #expect(try await target.conversations(of: person.id, after: nil, limit: 10) == source.conversations(of: person.id, after: nil, limit: 10))
                }
                // New ids and seqs follow the copied ones.
                let next = try await target.postMessage(in: group.id, by: people[1].id, text: "after", clientID: nil, at: Self.epoch)
                #expect(try await Self.allEvents(target, of: people[2].id).last?.data.contains("\"id\":\(next.message.id)") == true)
                let later = try await target.createGroup(title: "h", by: people[1].id, members: [], at: Self.epoch)
                #expect(later.id > group.id)
            }
        }
    }
}
