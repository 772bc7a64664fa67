import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Full-text message search (issue "Finding people and messages"): only the caller's own
/// conversations, ranked, with snippets as text, in step with posts, edits and deletes, and a
/// query grammar that no input can turn into a database syntax error.
@Suite("Message search")
struct MessageSearchTests {
    static let epoch = Date(timeIntervalSince1970: 1_795_561_652)

    static func query(_ text: String) throws -> MessageSearchQuery { try MessageSearchQuery(text, maxTerms: 8, maxTermLength: 40) }

    @Test("the grammar: words, phrases and prefixes; operators and punctuation are only separators")
    func grammar() throws {
        let parsed = try Self.query(#"Pine* "secret PLAN" café"#)
        #expect(parsed.terms == [.init(words: ["pine"], isPrefix: true), .init(words: ["secret", "plan"], isPrefix: false), .init(words: ["café"], isPrefix: false)])
        #expect(parsed.fts5 == #""pine" * "secret plan" "café""#)
        #expect(parsed.tsquery == "pine:* & secret <-> plan & café")
        // What FTS5 or tsquery would read as syntax is words here.
        // Characters that touch stay one phrase.
        let hostile = try MessageSearchQuery(#"NEAR(a b) col:x ^start -not a&b|c !d 'e' (f"#, maxTerms: 20, maxTermLength: 40)
        #expect(hostile.fts5 == #""near a" "b" "col x" "start" "not" "a b c" "d" "e" "f""#)
        #expect(hostile.tsquery == "near <-> a & b & col <-> x & start & not & a <-> b <-> c & d & e & f")
    }

    @Test("bad queries are refused with a reason", arguments: [
        ("", "Give a word"), ("   ", "Give a word"), ("*** ()", "Give a word"), (#"an "open quote"#, "quote"),
        ("a b c d e f g h i", "at most 8 words"), (String(repeating: "x", count: 41), "longer than 40"),
        (String(repeating: "a ", count: 300), "at most 500 characters"),
    ])
    func refused(text: String, reason: String) {
        #expect {
            try Self.query(text)
        } throws: { error in
            guard case .fields(let fields) = error as? APIError else { return false }
            return fields["q"]?.first?.contains(reason) == true
        }
    }

    @Test("the store: members' live messages only, in step with edits and deletes, carried by move-data", arguments: TestBackends.stores)
    func store(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch).id
            let b = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch).id
            let outsider = try await store.createUser(NewUser(phoneNumber: freshPhone(3)), at: Self.epoch).id
            let ours = try await store.createGroup(title: "ours", by: a, members: [b], at: Self.epoch).id
            let theirs = try await store.createGroup(title: "theirs", by: outsider, members: [b], at: Self.epoch).id
            func post(_ text: String, in conversation: ConversationID, by user: UserID) async throws -> ChatMessageID {
                try await store.postMessage(in: conversation, by: user, text: text, clientID: nil, at: Self.epoch).message.id
            }
            let plan = try await post("The pineapple plan is on for Friday", in: ours, by: a)
            let twice = try await post("pineapple, pineapple, and more pineapple", in: ours, by: b)
            let secret = try await post("zebracorn pineapple", in: theirs, by: outsider)
            func found(_ text: String, for user: UserID, in conversation: ConversationID? = nil) async throws -> [ChatMessageID] {
                try await store.searchMessages(try Self.query(text), for: user, in: conversation, offset: 0, limit: 10).map(\.message.id)
            }
            #expect(try await found("zebracorn", for: a).isEmpty, "a non-member's secret word")
            #expect(try await found("zebracorn", for: b) == [secret])
            #expect(try await found("pineapple", for: a) == [twice, plan], "ranked: more occurrences first")
            #expect(try await Set(found("pineapple", for: b)) == [twice, plan, secret])
            #expect(try await found("pineapple", for: b, in: theirs) == [secret])
            #expect(try await found("pine*", for: a).count == 2)
            #expect(try await found(#""plan is on""#, for: a) == [plan])
            #expect(try await found(#""on is plan""#, for: a).isEmpty, "a phrase keeps its order")
            #expect(try await found("PINEAPPLE friday", for: a) == [plan], "every word, any case")

            let hit = try #require(try await store.searchMessages(try Self.query("friday"), for: a, in: nil, offset: 0, limit: 1).first)
            #expect(hit.snippet.map(\.text).joined() == "The pineapple plan is on for Friday")
            #expect(hit.snippet.filter(\.isMatch).map(\.text) == ["Friday"])
            #expect(try await store.searchMessages(try Self.query("pineapple"), for: a, in: nil, offset: 1, limit: 5).map(\.message.id) == [plan])

            _ = try await store.editMessage(plan, in: ours, text: "The mango plan", at: Self.epoch)
            #expect(try await found("friday", for: a).isEmpty, "an edit is searched as it now reads")
            #expect(try await found("mango", for: a) == [plan])
            _ = try await store.deleteMessage(twice, in: ours, at: Self.epoch)
            #expect(try await found("pineapple", for: a).isEmpty, "a tombstone is not found")

            try await withStore(.sqlite) { copy, _ in
                try await DataMover(from: store, to: copy).move()
                #expect(try await copy.searchMessages(try Self.query("zebracorn"), for: b, in: nil, offset: 0, limit: 10).map(\.message.id) == [secret])
                #expect(try await copy.searchMessages(try Self.query("mango"), for: a, in: nil, offset: 0, limit: 10).map(\.message.id) == [plan])
            }
        }
    }

    static func search(_ client: some TestClientProtocol, _ query: String, as user: Session) async throws -> Reply {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return try await client.call(.get, "/api/v2/search/messages/?\(encoded.isEmpty && query.isEmpty ? "" : "q=\(encoded)")", token: user.access)
    }

    @Test("over REST: results with the message and its snippet, paged by cursor; bad input is a 400 in JSON")
    func route() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            let hidden = try await client.createGroup("h", by: cast.maria, members: [cast.rahul])
            var posted: [Int64] = []
            for n in 1...5 { posted.append(try await client.postV2("kiwi number \(n)", in: group, by: cast.alice)) }
            try await client.postV2("kiwi between rahul and maria", in: hidden, by: cast.maria)

            var seen: [Int64] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/api/v2/search/messages/?q=kiwi&limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let reply = try await client.call(.get, path, token: cast.alice.access)
                try #require(reply.status == .ok, "\(reply.text)")
                let results = try #require(reply.json?["results"]?.elements)
                for result in results {
                    guard case .int(let id)? = result["message"]?["id"] else { continue }
                    seen.append(id)
                    #expect(result["snippet"]?.elements?.contains { $0["match"] == .bool(true) && $0["text"] == .string("kiwi") } == true)
                }
                if case .string(let next)? = reply.json?["next_cursor"] { cursor = next } else { cursor = nil }
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3 && Set(seen) == Set(posted) && seen.count == 5, "every match once, never Maria's: \(seen)")

            let narrowed = try await client.call(.get, "/api/v2/search/messages/?q=kiwi&conversation=\(hidden)", token: cast.rahul.access)
            #expect(narrowed.json?["results"]?.elements?.count == 1)
            let refused = try await client.call(.get, "/api/v2/search/messages/?q=kiwi&conversation=\(hidden)", token: cast.alice.access)
            #expect(refused.status == .notFound, "not a member: \(refused.text)")

            for (query, field) in [
                ("q=%22kiwi", "q"), ("q=", "q"), ("", "q"), ("q=kiwi&limit=0", "limit"), ("q=kiwi&cursor=abc", "cursor"),
                ("q=kiwi&cursor=-1", "cursor"), ("q=kiwi&conversation=x", "conversation"),
            ] {
                let reply = try await client.call(.get, "/api/v2/search/messages/?\(query)", token: cast.alice.access)
                #expect(reply.status == .badRequest && reply.json?[field] != nil, "\(query): \(reply.status) \(reply.text)")
            }
            // Database syntax in the words is searched as words: an answer, never an error.
            for words in ["NEAR(kiwi", "kiwi%20OR%20number", "kiwi:*", "%27kiwi%27", "kiwi%20%26%20!number", "%5Ekiwi", "-kiwi"] {
                let reply = try await client.call(.get, "/api/v2/search/messages/?q=\(words)", token: cast.alice.access)
                #expect(reply.status == .ok, "\(words): \(reply.text)")
            }
            let anonymous = try await client.call(.get, "/api/v2/search/messages/?q=kiwi")
            #expect(anonymous.status == .unauthorized)
        }
    }
}
