import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// The demo users' content in dev mode (`SWIFTCHAT_DEMO_CONTENT`): accepted interests, two short
/// histories and a group, written once per database.
@Suite("Demo content")
struct DemoContentTests {
    static let expected = DemoContentSeeder.Outcome(interests: 3, groups: 1, messages: 12)
    static let strongKey = String(repeating: "k", count: 40)

    /// An app with the demo content on `place`'s data whatever `SWIFTCHAT_TEST_APP_BACKENDS` says,
    /// so that a second start finds what the first one wrote.
    func withDemoApp(on place: StorePlace, _ body: @escaping @Sendable (any TestClientProtocol, AppRuntime) async throws -> Void) async throws {
        try await withApp(environment: ["DATABASE_NAME": place.sqlitePath, "DATABASE_URL": place.databaseURL ?? "", "SWIFTCHAT_DEMO_CONTENT": "true"], body)
    }

    func tableCounts(at place: StorePlace) async throws -> TableCounts {
        let store = try await place.open()
        let counts = try await store.tableCounts()
        await store.close()
        return counts
    }

    /// Everything `swiftchat seed` would do with `environment` (on top of the defaults, no `.env`).
    func seed(_ store: any ChatStore, _ environment: [String: String]) async throws -> Seeder.Outcome {
        let settings = try Settings.load(environment: ["SWIFTCHAT_BCRYPT_COST": "4"].merging(environment) { $1 }, readEnvFile: false)
        return try await seedAccounts(store: store, settings: settings, passwords: PasswordHasher(cost: 4), logger: testLogger)
    }

    @Test("dev mode: the demo users start with three accepted interests, two histories and a group, in v1 and v2",
          arguments: TestBackends.stores)
    func createdAtStart(backend: StoreBackend) async throws {
        try await withStorePlace(backend) { place in
            try await withDemoApp(on: place) { client, _ in
                let alice = try await client.session(Demo.alice), rahul = try await client.session(Demo.rahul)
                let maria = try await client.session(Demo.maria), john = try await client.session(Demo.john)
                let chen = try await client.session(Demo.chen)

                // v1: who is connected to whom, all accepted, nothing pending.
                func partners(of user: Session, accepted: Bool) async throws -> [Int64: Int64] {
                    let reply = try await client.call(.get, "/api/my_app/interests/?is_accepted=\(accepted)", token: user.access)
                    #expect(reply.status == .ok, "\(reply.text)")
                    var byPartner: [Int64: Int64] = [:]
                    for row in reply.array {
                        let partner = (row["user"] as? [String: Any])?["id"] as? Int
                        byPartner[Int64(partner ?? 0)] = Int64(row["id"] as? Int ?? 0)
                    }
                    return byPartner
                }
                let aliceFriends = try await partners(of: alice, accepted: true)
                #expect(Set(aliceFriends.keys) == [rahul.id, maria.id])
                #expect(Set(try await partners(of: rahul, accepted: true).keys) == [alice.id])
                #expect(Set(try await partners(of: maria, accepted: true).keys) == [alice.id, john.id])
                let johnFriends = try await partners(of: john, accepted: true)
                #expect(Set(johnFriends.keys) == [maria.id])
                #expect(try await partners(of: chen, accepted: true).isEmpty)
                for user in [alice, rahul, maria, john, chen] {
                    #expect(try await partners(of: user, accepted: false).isEmpty, "no pending interest")
                }

                // v1: the histories, written by both parties.
                func authors(in interest: Int64?, for user: Session) async throws -> [Int64] {
                    let reply = try await client.call(.get, "/api/my_app/interests/\(interest ?? 0)/chat_messages/", token: user.access)
                    #expect(reply.status == .ok, "\(reply.text)")
                    return reply.array.map { Int64($0["user"] as? Int ?? 0) }
                }
                let withRahul = try await authors(in: aliceFriends[rahul.id], for: alice)
                #expect(withRahul.count == 5 && Set(withRahul) == [alice.id, rahul.id])
                let withMaria = try await authors(in: aliceFriends[maria.id], for: alice)
                #expect(withMaria.count == 3 && Set(withMaria) == [alice.id, maria.id])
                #expect(try await authors(in: johnFriends[maria.id], for: john).isEmpty)

                // v2: Alice's conversations (two direct, one group, the group's activity latest).
                let list = try await client.call(.get, "/api/v2/conversations/?limit=200", token: alice.access)
                guard case .array(let rows)? = list.json?["results"] else {
                    Issue.record("no conversations: \(list.text)")
                    return
                }
                #expect(rows.count == 3)
                let group = try #require(rows.first, "\(list.text)")
                #expect(group["kind"] == .string("group") && group["title"] == .string("Weekend trip"))
                guard case .array(let members)? = group["members"] else {
                    Issue.record("no members: \(list.text)")
                    return
                }
                let roles = Dictionary(uniqueKeysWithValues: members.compactMap { member -> (Int64, String)? in
                    guard case .int(let id)? = member["user"]?["id"], case .string(let role)? = member["role"] else { return nil }
                    return (id, role)
                })
                #expect(roles == [alice.id: "owner", rahul.id: "member", maria.id: "member"])
                guard case .int(let groupID)? = group["id"] else {
                    Issue.record("no group id: \(list.text)")
                    return
                }
                let page = try await client.call(.get, "/api/v2/conversations/\(groupID)/messages/", token: rahul.access)
                guard case .array(let groupMessages)? = page.json?["results"] else {
                    Issue.record("no messages: \(page.text)")
                    return
                }
                #expect(Set(groupMessages.compactMap { message -> Int64? in
                    guard case .int(let sender)? = message["sender"] else { return nil }
                    return sender
                }) == [alice.id, rahul.id, maria.id])
                #expect(groupMessages.count == 4)

                // Every change logged its events: each message reached its conversation's members.
                #expect(try await client.eventTypes(of: alice).filter { $0.1 == "message.created" }.count == 12)
                #expect(try await client.eventTypes(of: maria).filter { $0.1 == "message.created" }.count == 7)
                #expect(try await client.eventTypes(of: chen).isEmpty)
                let chenList = try await client.call(.get, "/api/v2/conversations/", token: chen.access)
                #expect(chenList.json?["results"] == .array([]))

                // Pairs left for a person to connect.
                try await client.sendInterest(from: alice, to: john)
                try await client.sendInterest(from: rahul, to: maria)
                try await client.sendInterest(from: chen, to: alice)
            }
        }
    }

    @Test("a second start creates nothing, and what a user deleted stays deleted", arguments: TestBackends.stores)
    func notCreatedTwice(backend: StoreBackend) async throws {
        try await withStorePlace(backend) { place in
            try await withDemoApp(on: place) { client, runtime in
                let counts = try await runtime.store.tableCounts()
                #expect(counts.interests == 3 && counts.messages == 12 && counts.others["conversations"] == 4)
                let alice = try await client.session(Demo.alice), rahul = try await client.session(Demo.rahul)
                let interests = try await client.call(.get, "/api/my_app/interests/", token: alice.access).array
                let withRahul = try #require(interests.first { ($0["user"] as? [String: Any])?["id"] as? Int == Int(rahul.id) })
                try await client.deleteInterest(Int64(withRahul["id"] as? Int ?? 0), by: alice)
            }
            let deleted = try await tableCounts(at: place)
            #expect(deleted.interests == 2 && deleted.messages == 7)
            try await withDemoApp(on: place) { client, runtime in
                #expect(try await runtime.store.tableCounts() == deleted, "the second start wrote nothing")
                let outcome = try await seed(runtime.store, ["PROJECT_RUNNING_ENV": "dev", "SWIFTCHAT_DEMO_CONTENT": "true"])
                #expect(outcome == Seeder.Outcome(adminCreated: false, demoUsersCreated: 0, demoContentCreated: .none))
                #expect(try await runtime.store.tableCounts() == deleted)
                let alice = try await client.session(Demo.alice), maria = try await client.session(Demo.maria)
                let left = try await client.call(.get, "/api/my_app/interests/", token: alice.access).array
                #expect(left.map { ($0["user"] as? [String: Any])?["id"] as? Int } == [Int(maria.id)])
            }
        }
    }

    @Test("several seeders at once on one database: exactly one writes the content", arguments: TestBackends.stores)
    func concurrentSeeders(backend: StoreBackend) async throws {
        try await withStorePlace(backend) { place in
            // A store each, as separate processes have (a pool of their own on PostgreSQL).
            var stores: [any ChatStore] = []
            for _ in 0..<4 { stores.append(try await place.open()) }
            let outcomes = try await withThrowingTaskGroup(of: Seeder.Outcome.self) { group in
                for store in stores {
                    group.addTask { try await seed(store, ["PROJECT_RUNNING_ENV": "dev"]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.map(\.demoContentCreated).filter { $0 != .none } == [Self.expected])
            #expect(outcomes.map(\.demoUsersCreated).reduce(0, +) == 5)
            let counts = try await stores[0].tableCounts()
            #expect(counts.users == 6 && counts.interests == 3 && counts.messages == 12 && counts.others["conversations"] == 4)
            for store in stores { await store.close() }
        }
    }

    @Test("`swiftchat seed` prints what it created; several at once and again later create it once",
          .enabled(if: ServerProcess.executable != nil || TestBackends.required, "runs the swiftchat binary, which is not built (swift build)"),
          arguments: TestBackends.stores)
    func seedCommand(backend: StoreBackend) async throws {
        try await withStorePlace(backend) { place in
            try await withTemporaryDirectory { folder in
                let environment = ["DATABASE_NAME": place.sqlitePath, "DATABASE_URL": place.databaseURL ?? "", "SWIFTCHAT_DEMO_CONTENT": "true"]
                let runs = try await withThrowingTaskGroup(of: (status: Int32, output: String).self) { group in
                    for _ in 0..<3 {
                        group.addTask { try await runSwiftChat(["seed"], environment: environment, folder: folder) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for run in runs { #expect(run.status == 0, "\(run.output)") }
                let reports = runs.compactMap { $0.output.firstMatch(of: /demo content created: ([^\n]+)\n/).map { String($0.1) } }
                #expect(reports.sorted() == ["3 accepted interests, 1 group, 12 messages", "none", "none"], "\(runs.map(\.output))")
                let again = try await runSwiftChat(["seed"], environment: environment, folder: folder)
                #expect(again.output.contains("admin created: false, demo users created: 0, demo content created: none\n"), "\(again.output)")
                let counts = try await tableCounts(at: place)
                #expect(counts.interests == 3 && counts.messages == 12 && counts.others["conversations"] == 4)
            }
        }
    }

    @Test("none outside dev mode (unless asked for), when the setting is off, or without demo users", arguments: TestBackends.stores)
    func onlyWhenWanted(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let production = try await seed(store, ["PROJECT_RUNNING_ENV": "production", "SECRET_KEY": Self.strongKey])
            #expect(production == Seeder.Outcome(adminCreated: false, demoUsersCreated: 5, demoContentCreated: .none))
            let off = try await seed(store, ["PROJECT_RUNNING_ENV": "dev", "SWIFTCHAT_DEMO_CONTENT": "false"])
            #expect(off.demoContentCreated == .none)
            let noDemoUsers = try await seed(store, ["PROJECT_RUNNING_ENV": "dev", "SWIFTCHAT_DEMO_USERS": "false"])
            #expect(noDemoUsers.demoContentCreated == .none)
            let counts = try await store.tableCounts()
            #expect(counts.interests == 0 && counts.messages == 0 && counts.others["conversations"] == 0)
            #expect(try await !store.hasMarker(DemoContentSeeder.marker), "skipping claims nothing: dev mode may still add it")
            // The dev default, after all that.
            #expect(try await seed(store, ["PROJECT_RUNNING_ENV": "dev"]).demoContentCreated == Self.expected)
        }
    }

    @Test("a demo people used already gets nothing added, and never will")
    func usedDemoLeftAlone() async throws {
        try await withStore(.sqlite) { store, _ in
            _ = try await seed(store, ["PROJECT_RUNNING_ENV": "dev", "SWIFTCHAT_DEMO_CONTENT": "false"])
            let alice = try #require(try await store.user(phoneNumber: Demo.alice))
            let john = try #require(try await store.user(phoneNumber: Demo.john))
            let interest = try await store.createInterest(from: alice.id, to: john.id, at: .now)
            #expect(try await seed(store, ["PROJECT_RUNNING_ENV": "dev"]).demoContentCreated == .none)
            #expect(try await store.hasMarker(DemoContentSeeder.marker))
            _ = try await store.deleteInterest(id: interest.id)
            #expect(try await seed(store, ["PROJECT_RUNNING_ENV": "dev"]).demoContentCreated == .none, "the marker holds")
            #expect(try await store.tableCounts().interests == 0)
        }
    }

    @Test("the setting: on by default in dev mode only; a value wins; a bad one names the variable")
    func setting() throws {
        func load(_ environment: [String: String]) throws -> Settings {
            try Settings.load(environment: environment, readEnvFile: false)
        }
        #expect(try load([:]).seedDemoContent)
        #expect(try !load(["PROJECT_RUNNING_ENV": "production", "SECRET_KEY": Self.strongKey]).seedDemoContent)
        #expect(try load(["PROJECT_RUNNING_ENV": "production", "SECRET_KEY": Self.strongKey, "SWIFTCHAT_DEMO_CONTENT": "true"]).seedDemoContent)
        #expect(try !load(["SWIFTCHAT_DEMO_CONTENT": "off"]).seedDemoContent)
        #expect(try !Settings.load(flags: ["--demo-content", "false"], environment: [:], readEnvFile: false).seedDemoContent)
        do {
            _ = try load(["SWIFTCHAT_DEMO_CONTENT": "maybe"])
            Issue.record("a bad value was accepted")
        } catch let error as ConfigurationError {
            #expect(error.description.contains("SWIFTCHAT_DEMO_CONTENT (--demo-content)"), "\(error)")
        }
    }
}
