import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Interests (friend requests) over REST: original-api.md section 4, D7.
@Suite struct InterestTests {
    @Test func rootLinksToTheInterestList() async throws {
        try await withApp { client, _ in
            let alice = try await client.session(Demo.alice)
            let reply = try await client.call(.get, "/api/my_app/", token: alice.access)
            #expect(reply.status == .ok)
            // One key, an absolute URL to the list (the host is whatever the request named).
            #expect(reply.text.wholeMatch(of: #/\{"interests":"http://[^"/]+/api/my_app/interests/"\}/#) != nil, "\(reply.text)")
        }
    }

    @Test func listShowsTheOtherPartyWithoutIsAccepted() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let toRahul = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            let fromMaria = try await client.sendInterest(from: cast.maria, to: cast.alice)

            let asAlice = try await client.call(.get, "/api/my_app/interests/", token: cast.alice.access)
            #expect(asAlice.status == .ok)
            #expect(wireText(asAlice) == "[" + interestViewWire(toRahul, otherParty: cast.rahulParty) + ","
                + interestViewWire(fromMaria, otherParty: cast.mariaParty) + "]")

            // Each party sees the other; a bystander sees nothing of it.
            let asRahul = try await client.call(.get, "/api/my_app/interests/", token: cast.rahul.access)
            #expect(wireText(asRahul) == "[" + interestViewWire(toRahul, otherParty: cast.aliceParty) + "]")
            let asMaria = try await client.call(.get, "/api/my_app/interests/", token: cast.maria.access)
            #expect(wireText(asMaria) == "[" + interestViewWire(fromMaria, otherParty: cast.aliceParty) + "]")
        }
    }

    enum AcceptedFilter: String, CaseIterable, Sendable {
        case accepted = "true", pending = "false", absent = ""
    }

    @Test(arguments: AcceptedFilter.allCases)
    func isAcceptedFilter(_ filter: AcceptedFilter) async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let accepted = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.acceptInterest(accepted, by: cast.rahul)
            let pending = try await client.sendInterest(from: cast.maria, to: cast.alice)

            let query = filter == .absent ? "" : "?is_accepted=\(filter.rawValue)"
            let reply = try await client.call(.get, "/api/my_app/interests/\(query)", token: cast.alice.access)
            #expect(reply.status == .ok)
            let expected: [Int64] = switch filter {
            case .accepted: [accepted]
            case .pending: [pending]
            case .absent: [accepted, pending]
            }
            #expect(try ids(reply) == expected)
        }
    }

    /// Who the search should find, as Alice (party of both interests).
    enum Found: Sendable { case rahul, maria, both, none }

    @Test(arguments: [
        ("rah", Found.rahul), ("RAHUL", .rahul), ("mAr", .maria), ("alice", .both), ("ALI", .both),
        ("zzz", .none), ("Sharma", .none),
    ])
    func searchMatchesEitherPartysFirstNameIgnoringCase(_ term: String, _ found: Found) async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let withRahul = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            let withMaria = try await client.sendInterest(from: cast.maria, to: cast.alice)
            let reply = try await client.call(.get, "/api/my_app/interests/?search=\(term)", token: cast.alice.access)
            #expect(reply.status == .ok)
            let expected: [Int64] = switch found {
            case .rahul: [withRahul]
            case .maria: [withMaria]
            case .both: [withRahul, withMaria]
            case .none: []
            }
            #expect(try ids(reply) == expected)
        }
    }

    /// The first interest is created later than the second, so id and created_at orders differ.
    @Test(arguments: [("id", [0, 1]), ("-id", [1, 0]), ("created_at", [1, 0]), ("-created_at", [0, 1])])
    func orderingByIdOrCreationTime(_ ordering: String, _ expectedOrder: [Int]) async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, _ in
            let cast = try await client.cast()
            clock.advance(by: 1000)
            let first = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            clock.advance(by: -500)
            let second = try await client.sendInterest(from: cast.maria, to: cast.alice)
            let created = [first, second]
            let reply = try await client.call(.get, "/api/my_app/interests/?ordering=\(ordering)", token: cast.alice.access)
            #expect(reply.status == .ok)
            #expect(try ids(reply) == expectedOrder.map { created[$0] })
        }
    }

    @Test func createAnswers201WithTheInterest() async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let reply = try await client.call(.post, "/api/my_app/interests/", json: #"{"sent_to": \#(cast.rahul.id)}"#, token: cast.alice.access)
            #expect(reply.status == .created)
            let id = try leadingID(reply)
            #expect(wireText(reply) == interestWire(id, sentTo: cast.rahul, sentBy: cast.alice, accepted: false))
            let stored = try #require(try await runtime.store.interest(id: InterestID(rawValue: id)))
            #expect(stored.sentBy.rawValue == cast.alice.id && stored.sentTo.rawValue == cast.rahul.id && !stored.isAccepted)
        }
    }

    @Test func retrieveShowsTheOtherPartyToEachParty() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let id = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            for (viewer, otherParty) in [(cast.alice, cast.rahulParty), (cast.rahul, cast.aliceParty)] {
                let reply = try await client.call(.get, "/api/my_app/interests/\(id)/", token: viewer.access)
                #expect(reply.status == .ok)
                #expect(wireText(reply) == interestViewWire(id, otherParty: otherParty))
            }
        }
    }

    @Test func deleteAnswers204AndTakesTheMessagesAlong() async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let id = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            let other = try await client.sendInterest(from: cast.maria, to: cast.rahul)
            let messages = [
                try await client.postMessage("hello", in: id, by: cast.alice),
                try await client.postMessage("hi", in: id, by: cast.rahul),
            ]
            let survivor = try await client.postMessage("unrelated", in: other, by: cast.maria)

            let reply = try await client.call(.delete, "/api/my_app/interests/\(id)/", token: cast.rahul.access)
            #expect(reply.status == .noContent)
            #expect(reply.text.isEmpty)
            #expect(try await runtime.store.interest(id: InterestID(rawValue: id)) == nil)
            for message in messages {
                #expect(try await runtime.store.message(id: ChatMessageID(rawValue: message)) == nil)
            }
            #expect(try await runtime.store.message(id: ChatMessageID(rawValue: survivor)) != nil)

            // Gone for both parties: deleting again and reading answer 403, as the original.
            for user in [cast.alice, cast.rahul] {
                #expect(try await client.call(.delete, "/api/my_app/interests/\(id)/", token: user.access).status == .forbidden)
                #expect(try await client.call(.get, "/api/my_app/interests/\(id)/", token: user.access).status == .forbidden)
            }
            // After a delete, either side may ask again.
            try await client.sendInterest(from: cast.rahul, to: cast.alice)
        }
    }

    @Test func onlyTheRecipientAccepts() async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let id = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            let path = "/api/my_app/interests/\(id)/accept_interest/"

            let bySender = try await client.call(.post, path, token: cast.alice.access)
            #expect(bySender.status == .forbidden)
            #expect(bySender.text == permissionDenied)
            #expect(try await runtime.store.interest(id: InterestID(rawValue: id))?.isAccepted == false)

            for _ in 1...2 {  // accepting an accepted interest answers OK again
                let byRecipient = try await client.call(.post, path, token: cast.rahul.access)
                #expect(byRecipient.status == .ok)
                #expect(byRecipient.text == #""Ok""#)
            }
            #expect(try await runtime.store.interest(id: InterestID(rawValue: id))?.isAccepted == true)
            let accepted = try await client.call(.get, "/api/my_app/interests/?is_accepted=true", token: cast.alice.access)
            #expect(try ids(accepted) == [id])
        }
    }

    @Test(arguments: [HTTPRequest.Method.put, .patch])
    func updatingIsNotAllowed(_ method: HTTPRequest.Method) async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let id = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            let reply = try await client.call(method, "/api/my_app/interests/\(id)/", json: #"{"is_accepted": true}"#, token: cast.rahul.access)
            #expect(reply.status == .methodNotAllowed)
            #expect(reply.text == #"{"detail":"Method \"\#(method.rawValue)\" not allowed."}"#)
            #expect(try await runtime.store.interest(id: InterestID(rawValue: id))?.isAccepted == false)
        }
    }

    /// Every action on one interest, by path and method.
    enum Action: String, CaseIterable, Sendable {
        case retrieve, delete, accept, listMessages, postMessage, retrieveMessage

        func request(_ id: String) -> (HTTPRequest.Method, String, String?) {
            let base = "/api/my_app/interests/\(id)/"
            return switch self {
            case .retrieve: (.get, base, nil)
            case .delete: (.delete, base, nil)
            case .accept: (.post, base + "accept_interest/", nil)
            case .listMessages: (.get, base + "chat_messages/", nil)
            case .postMessage: (.post, base + "chat_messages/", #"{"message": "hi"}"#)
            case .retrieveMessage: (.get, base + "chat_messages/1/", nil)
            }
        }
    }

    @Test(arguments: Action.allCases)
    func nonPartiesAndUnknownIdsGet403(_ action: Action) async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let id = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.postMessage("hello", in: id, by: cast.alice)
            for (user, target) in [(cast.maria, "\(id)"), (cast.alice, "99999")] {
                let (method, path, body) = action.request(target)
                let reply = try await client.call(method, path, json: body, token: user.access)
                #expect(reply.status == .forbidden, "\(method) \(path)")
                #expect(reply.text == permissionDenied)
            }
            // Nothing changed for the parties.
            let stored = try #require(try await runtime.store.interest(id: InterestID(rawValue: id)))
            #expect(!stored.isAccepted)
            #expect(try await runtime.store.messages(in: InterestID(rawValue: id), ordering: .id).count == 1)
        }
    }

    @Test(arguments: Action.allCases, ["abc", "-1", "1.5", "1e3"])
    func nonDigitInterestIdsGet400(_ action: Action, _ badID: String) async throws {
        try await withApp { client, _ in
            let alice = try await client.session(Demo.alice)
            let (method, path, body) = action.request(badID)
            let reply = try await client.call(method, path, json: body, token: alice.access)
            #expect(reply.status == .badRequest, "\(method) \(path)")
            #expect(reply.text == #"{"detail":"interest_id is must be a int"}"#)
        }
    }

    @Test func duplicatesAreRefusedInBothDirections() async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let id = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            for (from, to) in [(cast.alice, cast.rahul), (cast.rahul, cast.alice)] {
                let reply = try await client.call(.post, "/api/my_app/interests/", json: #"{"sent_to": \#(to.id)}"#, token: from.access)
                #expect(reply.status == .badRequest)
                #expect(reply.text == fieldError("sent_to", "Already exist."))
            }
            try await client.acceptInterest(id, by: cast.rahul)
            let again = try await client.call(.post, "/api/my_app/interests/", json: #"{"sent_to": \#(cast.alice.id)}"#, token: cast.rahul.access)
            #expect(again.text == fieldError("sent_to", "Already exist."))
            #expect(try await runtime.store.interests(involving: UserID(rawValue: cast.alice.id)).count == 1)
        }
    }

    enum BadRecipient: String, CaseIterable, Sendable {
        case unknownUser, notAnInteger, missing, oneself

        func body(caller: Session) -> String {
            switch self {
            case .unknownUser: #"{"sent_to": 99999}"#
            case .notAnInteger: #"{"sent_to": "abc"}"#
            case .missing: "{}"
            case .oneself: #"{"sent_to": \#(caller.id)}"#
            }
        }

        var expected: String {
            switch self {
            case .unknownUser: fieldError("sent_to", #"Invalid pk "99999" - object does not exist."#)
            case .notAnInteger: fieldError("sent_to", "Incorrect type. Expected pk value, received str.")
            case .missing: fieldError("sent_to", "This field is required.")
            case .oneself: fieldError("sent_to", "You cannot send an interest to yourself.")  // D7
            }
        }
    }

    @Test(arguments: BadRecipient.allCases)
    func createRefusesABadRecipient(_ recipient: BadRecipient) async throws {
        try await withApp { client, runtime in
            let alice = try await client.session(Demo.alice)
            let reply = try await client.call(.post, "/api/my_app/interests/", json: recipient.body(caller: alice), token: alice.access)
            #expect(reply.status == .badRequest)
            #expect(reply.text == recipient.expected)
            #expect(try await runtime.store.interests(involving: UserID(rawValue: alice.id)).isEmpty)
        }
    }

    @Test(arguments: [
        (HTTPRequest.Method.get, "/api/my_app/interests/"), (.post, "/api/my_app/interests/"), (.get, "/api/my_app/interests/1/"),
        (.delete, "/api/my_app/interests/1/"), (.post, "/api/my_app/interests/1/accept_interest/"),
        (.get, "/api/my_app/interests/1/chat_messages/"), (.post, "/api/my_app/interests/1/chat_messages/"),
        (.get, "/api/my_app/interests/1/chat_messages/1/"),
    ])
    func everyActionNeedsAToken(_ method: HTTPRequest.Method, _ path: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(method, path, json: method == .post ? "{}" : nil)
            #expect(reply.status == .unauthorized)
            #expect(reply.text == #"{"detail":"Authentication credentials were not provided."}"#)
            #expect(reply.headers[.wwwAuthenticate] == #"JWT realm="api""#)
        }
    }

    /// The user list's `sent_to` / `sent_by` hold the interest between each row and the caller.
    @Test func userListShowsTheInterestOnBothSides() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let id = try await client.sendInterest(from: cast.alice, to: cast.rahul)

            /// `user`'s row as `caller` sees it, exactly: profile, then `sent_by`, then `sent_to`.
            func expectRow(of user: Session, _ first: String, _ last: String, _ phone: String, listedFor caller: Session,
                           sentBy: String, sentTo: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let reply = try await client.call(.get, "/api/core/user/", token: caller.access)
                #expect(reply.status == .ok, sourceLocation: sourceLocation)
                #expect(try ids(reply).filter { $0 == user.id }.count == 1, sourceLocation: sourceLocation)
                let row = #"{"id":\#(user.id),"phone_number":"\#(phone)","email":null,"first_name":"\#(first)","last_name":"\#(last)","#
                    + #""sent_by":[\#(sentBy)],"sent_to":[\#(sentTo)]}"#
                #expect(wireText(reply).contains(row), "\(row) in \(reply.text)", sourceLocation: sourceLocation)
            }
            let interest = interestWire(id, sentTo: cast.rahul, sentBy: cast.alice, accepted: false)

            try await expectRow(of: cast.rahul, "Rahul", "Sharma", Demo.rahul, listedFor: cast.alice, sentBy: "", sentTo: interest)
            try await expectRow(of: cast.alice, "Alice", "Smith", Demo.alice, listedFor: cast.rahul, sentBy: interest, sentTo: "")
            // A bystander's list shows neither side of it.
            try await expectRow(of: cast.alice, "Alice", "Smith", Demo.alice, listedFor: cast.maria, sentBy: "", sentTo: "")
            try await expectRow(of: cast.rahul, "Rahul", "Sharma", Demo.rahul, listedFor: cast.maria, sentBy: "", sentTo: "")
        }
    }

    /// The comparison these tests rely on tells apart what a lookup through Foundation values
    /// would not: `0` for `false`, `1.0` for an id, another key order, a timestamp not in DRF's form.
    @Test func wireComparisonCatchesLookalikes() async throws {
        let alice = Session(access: "", refresh: "", id: 3), rahul = Session(access: "", refresh: "", id: 4)
        let expected = interestWire(1, sentTo: rahul, sentBy: alice, accepted: false)
        func reply(_ text: String) -> Reply { Reply(status: .created, headers: [:], text: text) }
        let exact = #"{"id":1,"sent_to":4,"sent_by":3,"is_accepted":false,"created_at":"2026-11-24T15:41:38.533023Z"}"#
        #expect(wireText(reply(exact)) == expected)
        #expect(wireText(reply(exact.replacingOccurrences(of: "false", with: "0"))) != expected)
        #expect(wireText(reply(exact.replacingOccurrences(of: #""id":1,"#, with: #""id":1.0,"#))) != expected)
        #expect(wireText(reply(#"{"sent_to":4,"id":1,"sent_by":3,"is_accepted":false,"created_at":"2026-11-24T15:41:38Z"}"#)) != expected)
        #expect(try leadingID(reply(exact)) == 1)
        for stamp in ["2026-11-24T15:41:38Z", "2026-11-24T15:41:38.533023Z"] { #expect(isDRFTimestamp(stamp)) }
        for stamp in ["2026-11-24T15:41:38.000000Z", "2026-11-24T15:41:38.533Z", "2026-11-24T15:41:38.533023+00:00", "2026-11-24 15:41:38Z"] {
            #expect(!isDRFTimestamp(stamp), "\(stamp)")
        }
    }
}
