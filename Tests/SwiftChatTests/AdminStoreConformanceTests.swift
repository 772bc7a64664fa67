import Foundation
import Testing
@testable import SwiftChatCore

/// What the admin site keeps and reads, the same on SQLite and PostgreSQL: sessions any process
/// can serve, the audit log (carried by move-data), and the lists and counts of its pages.
@Suite struct AdminStoreConformanceTests {
    static let epoch = Date(timeIntervalSince1970: 1_780_000_000)

    @Test("sessions are found by hash until they expire, and end one by one or per user", arguments: TestBackends.stores)
    func sessions(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let staff = try await store.createUser(NewUser(phoneNumber: freshPhone(1), isStaff: true), at: Self.epoch)
            let session = { (hash: String) in
                AdminSession(tokenHash: hash, userID: staff.id, csrfToken: "csrf-" + hash, createdAt: Self.epoch, expiresAt: Self.epoch.addingTimeInterval(3600))
            }
            for hash in ["a", "b", "c"] { try await store.createAdminSession(session(hash)) }
            #expect(try await store.adminSession(tokenHash: "a", now: Self.epoch) == session("a"))
            #expect(try await store.adminSession(tokenHash: "a", now: Self.epoch.addingTimeInterval(3600)) == nil, "expired at its end")
            #expect(try await store.adminSession(tokenHash: "zzz", now: Self.epoch) == nil)
            try await store.deleteAdminSession(tokenHash: "a")
            #expect(try await store.adminSession(tokenHash: "a", now: Self.epoch) == nil)
            #expect(try await store.adminSession(tokenHash: "b", now: Self.epoch) != nil)
            #expect(try await store.purgeAdminSessions(before: Self.epoch) == 0)
            try await store.deleteAdminSessions(of: staff.id)
            #expect(try await store.adminSession(tokenHash: "b", now: Self.epoch) == nil)
            #expect(try await store.adminSession(tokenHash: "c", now: Self.epoch) == nil)
            try await store.createAdminSession(session("d"))
            #expect(try await store.purgeAdminSessions(before: Self.epoch.addingTimeInterval(7200)) == 1)
            // A deleted user's sessions go with them.
            try await store.createAdminSession(session("e"))
            _ = try await store.deleteUser(id: staff.id)
            #expect(try await store.adminSession(tokenHash: "e", now: Self.epoch) == nil)
        }
    }

    @Test("the audit log pages newest first and move-data carries it", arguments: TestBackends.stores)
    func auditLog(backend: StoreBackend) async throws {
        try await withStore(.sqlite) { source, _ in
            let actor = try await source.createUser(NewUser(phoneNumber: freshPhone(1), isStaff: true), at: Self.epoch)
            for index in 1...5 {
                try await source.appendAudit(AuditEntry(
                    actorID: actor.id, actorPhone: actor.phoneNumber, action: "user.change", target: "user \(index)",
                    before: index == 1 ? nil : #"{"n": \#(index)}"#, after: "é ✓ \(index)", at: Self.epoch.addingTimeInterval(Double(index))))
            }
            let newest = try await source.auditEntries(before: nil, limit: 2)
            #expect(newest.map(\.target) == ["user 5", "user 4"])
            let older = try await source.auditEntries(before: newest.last?.id, limit: 10)
            #expect(older.map(\.target) == ["user 3", "user 2", "user 1"])
            #expect(older.last?.before == nil && older.last?.after == "é ✓ 1" && older.last?.at == Self.epoch.addingTimeInterval(1))
            try await withStore(backend) { target, _ in
                try await DataMover(from: source, to: target, batchSize: 2).move()
                #expect(try await target.auditEntries(before: nil, limit: 10) == (try await source.auditEntries(before: nil, limit: 10)))
                // New entries continue after the copied ones.
                try await target.appendAudit(AuditEntry(actorID: actor.id, actorPhone: actor.phoneNumber, action: "x", target: "y", before: nil, after: nil, at: Self.epoch))
                #expect(try await target.auditEntries(before: nil, limit: 1).first?.target == "y")
            }
        }
    }

    @Test("the pages' lists: interests, conversations and messages newest first, filtered, with counts", arguments: TestBackends.stores)
    func lists(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            var users: [User] = []
            for index in 1...3 { users.append(try await store.createUser(NewUser(phoneNumber: freshPhone(index)), at: Self.epoch)) }
            let (a, b, c) = (users[0].id, users[1].id, users[2].id)
            let ab = try await store.createInterest(from: a, to: b, at: Self.epoch)
            _ = try await store.acceptInterest(id: ab.id, at: Self.epoch)
            let ca = try await store.createInterest(from: c, to: a, at: Self.epoch)
            let bc = try await store.createInterest(from: b, to: c, at: Self.epoch)
            #expect(try await store.interests(before: nil, involving: nil, accepted: nil, limit: 10).map(\.id) == [bc.id, ca.id, ab.id])
            #expect(try await store.interests(before: nil, involving: a, accepted: nil, limit: 10).map(\.id) == [ca.id, ab.id])
            #expect(try await store.interests(before: nil, involving: a, accepted: false, limit: 10).map(\.id) == [ca.id])
            #expect(try await store.interests(before: bc.id, involving: nil, accepted: nil, limit: 1).map(\.id) == [ca.id])

            let group = try await store.createGroup(title: "G", by: a, members: [b], at: Self.epoch)
            let direct = try #require(try await store.conversations(of: a, after: nil, limit: 10).conversations.first { $0.interestID == ab.id })
            #expect(try await store.conversationIDs(before: nil, groupsOnly: true, limit: 10) == [group.id])
            let all = try await store.conversationIDs(before: nil, groupsOnly: false, limit: 10)
            #expect(all.first == group.id && all.contains(direct.id) && all == all.sorted(by: >))

            let later = Self.epoch.addingTimeInterval(86_400)
            var posted: [ChatMessageID] = []
            for (index, (conversation, sender)) in [(group.id, a), (direct.id, b), (group.id, b), (group.id, a)].enumerated() {
                let outcome = try await store.postMessage(in: conversation, by: sender, text: "m\(index)", clientID: nil, at: index < 2 ? Self.epoch : later)
                posted.append(outcome.message.id)
            }
            #expect(try await store.messages(before: nil, in: nil, from: nil, limit: 10).map(\.id) == posted.reversed())
            #expect(try await store.messages(before: nil, in: group.id, from: a, limit: 10).map(\.id) == [posted[3], posted[0]])
            #expect(try await store.messages(before: posted[3], in: group.id, from: nil, limit: 1).map(\.id) == [posted[2]])
            #expect(try await store.messageCount(in: group.id) == 3)
            #expect(try await store.messageCount(ofInterest: ab.id) == 1)
            #expect(try await store.messageCount(by: a) == 2)
            #expect(try await store.messageCount(since: later) == 2)
            #expect(try await store.attachmentBytesStored() == 0)

            // Search across every conversation, not only one member's.
            let query = try MessageSearchQuery("m1", maxTerms: 8, maxTermLength: 64)
            #expect(try await store.searchMessages(query, for: nil, in: nil, offset: 0, limit: 10).map(\.message.id) == [posted[1]])
            #expect(try await store.searchMessages(query, for: c, in: nil, offset: 0, limit: 10).isEmpty)
        }
    }
}
