import Foundation
import Logging
import Synchronization
import ServiceLifecycle
import Testing
@testable import SwiftChatCore
@testable import SwiftChatSQLite
@testable import SwiftChatServer

/// A sink that records what it is offered; with a capacity, it refuses once full (a slow socket).
final class RecordingSink: EventSink {
    private let received = Mutex<[String]>([])
    private let capacity: Int?

    init(capacity: Int? = nil) {
        self.capacity = capacity
    }

    func offer(_ frame: RenderedEvent) -> Bool {
        received.withLock { texts in
            if let capacity, texts.count >= capacity { return false }
            texts.append(frame.text)
            return true
        }
    }

    var texts: [String] { received.withLock { $0 } }
}

/// The fan-out of notifications to sockets (SwiftChatCore's Broker/), without a server.
@Suite struct BrokerTests {
    /// A fan-out whose rendering names the event, and counts how often it renders.
    final class Harness: Sendable {
        final class Counter: Sendable {
            let value = Atomic<Int>(0)
        }

        private let renders = Counter()
        let fanout: LocalFanout
        let broker: InProcessBroker

        init() {
            let renders = self.renders
            fanout = LocalFanout(logger: testLogger) { event in
                renders.value.add(1, ordering: .relaxed)
                return switch event {
                case .interestChanged(let id): "interest-\(id)"
                case .chatMessagePosted(let interest, let message): "chat-\(interest)-\(message)"
                case .eventLogAppended: "wake-up"
                case .typing(let conversation, let users): "typing-\(conversation)-\(users)"
                case .presenceChanged(let user, let online, _): "presence-\(user)-\(online)"
                case .accountClosed: "closed"
                }
            }
            broker = InProcessBroker(subscribers: fanout)
        }

        var renderCount: Int { renders.value.load(ordering: .relaxed) }
        var counters: DeliveryCounters.Snapshot { fanout.counters.snapshot }

        func publish(_ id: InterestID, to topics: [Topic]) async {
            await broker.publish(Publication(event: .interestChanged(id), topics: topics))
        }
    }

    @Test func oneRecipientGetsEventsInPublicationOrder() async {
        let harness = Harness()
        let sink = RecordingSink()
        harness.fanout.subscribe(sink, to: .user(1))
        for id in 1...200 { await harness.publish(InterestID(rawValue: Int64(id)), to: [.user(1)]) }
        #expect(sink.texts == (1...200).map { "interest-\($0)" })
        #expect(harness.counters.delivered == 200)
        #expect(harness.counters.overflowed == 0)
    }

    @Test("wakeEventLogs wakes each event-log subscription once and no v1 notification sink")
    func wakingEveryEventLog() async {
        let harness = Harness()
        let streams = [RecordingSink(), RecordingSink()]
        let notifications = RecordingSink()
        harness.fanout.subscribe(streams[0], to: .eventLog(1))
        harness.fanout.subscribe(streams[1], to: .eventLog(2))
        harness.fanout.subscribe(notifications, to: .user(1))
        harness.fanout.wakeEventLogs()
        #expect(streams.map(\.texts.count) == [1, 1])
        #expect(notifications.texts.isEmpty)
    }

    @Test func everySinkOfATopicGetsTheSameRenderedEvent() async {
        let harness = Harness()
        let sinks = [RecordingSink(), RecordingSink(), RecordingSink()]
        for sink in sinks { harness.fanout.subscribe(sink, to: .user(7)) }
        await harness.publish(42, to: [.user(7)])
        await harness.broker.publish(Publication(event: .chatMessagePosted(interest: 42, message: 9), topics: [.user(7)]))
        for sink in sinks { #expect(sink.texts == ["interest-42", "chat-42-9"]) }
        #expect(harness.counters.delivered == 6)
        #expect(harness.renderCount == 2)  // rendered once per publication, not once per socket
    }

    @Test func aTopicListedTwiceDeliversTwice() async {
        let harness = Harness()
        let sink = RecordingSink()
        harness.fanout.subscribe(sink, to: .user(3))
        await harness.publish(5, to: [.user(3), .user(3)])
        #expect(sink.texts == ["interest-5", "interest-5"])
    }

    @Test func bystanderTopicsGetNothing() async {
        let harness = Harness()
        let alice = RecordingSink(), rahul = RecordingSink(), bystander = RecordingSink()
        harness.fanout.subscribe(alice, to: .user(1))
        harness.fanout.subscribe(rahul, to: .user(2))
        harness.fanout.subscribe(bystander, to: .user(3))
        await harness.publish(10, to: [.user(1), .user(2)])
        await harness.broker.publish(Publication(event: .chatMessagePosted(interest: 10, message: 1), topics: [.user(2)]))
        #expect(alice.texts == ["interest-10"])
        #expect(rahul.texts == ["interest-10", "chat-10-1"])
        #expect(bystander.texts.isEmpty)
        #expect(harness.counters.delivered == 3)
    }

    @Test func aFullSinkIsCountedAsOverflowAndDoesNotHoldUpOthers() async {
        let harness = Harness()
        let slow = RecordingSink(capacity: 2)
        let healthy = RecordingSink()
        harness.fanout.subscribe(slow, to: .user(1))
        harness.fanout.subscribe(healthy, to: .user(1))
        for id in 1...5 { await harness.publish(InterestID(rawValue: Int64(id)), to: [.user(1)]) }
        #expect(slow.texts == ["interest-1", "interest-2"])
        #expect(healthy.texts.count == 5)
        #expect(harness.counters.overflowed == 3)
        #expect(harness.counters.delivered == 7)
    }

    @Test func unsubscribingStopsDelivery() async {
        let harness = Harness()
        let sink = RecordingSink()
        let other = RecordingSink()
        harness.fanout.subscribe(sink, to: .user(1))
        harness.fanout.subscribe(other, to: .user(1))
        #expect(harness.counters.subscriptions == 2)
        await harness.publish(1, to: [.user(1)])
        harness.fanout.unsubscribe(sink, from: .user(1))
        harness.fanout.unsubscribe(sink, from: .user(1))  // twice: counted once
        await harness.publish(2, to: [.user(1)])
        #expect(sink.texts == ["interest-1"])
        #expect(other.texts == ["interest-1", "interest-2"])
        #expect(harness.counters.subscriptions == 1)
    }

    @Test func notificationFramesAreTheOriginals() {
        #expect(NotificationSocketHandler.render(.interestChanged(1)) == Frame.updateInterest)
        #expect(NotificationSocketHandler.render(.chatMessagePosted(interest: 1, message: 2)) == Frame.updateChat)
    }

    // MARK: The per-socket queue

    static func rendered(_ text: String) -> RenderedEvent {
        RenderedEvent(event: .interestChanged(1), text: text)
    }

    @Test func aSocketQueueRefusesOnceFullAndSignalsOverflowOnce() async {
        let (frames, frameQueue) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(2))
        let (overflows, overflowSignal) = AsyncStream.makeStream(of: Void.self)
        let socket = NotificationSocket(frames: frameQueue, overflow: overflowSignal, closedAccount: AsyncStream.makeStream(of: Void.self).continuation)

        #expect(!socket.didOverflow)
        let accepted = ["a", "b", "c", "d"].map { socket.offer(Self.rendered($0)) }
        #expect(accepted == [true, true, false, false])
        #expect(socket.didOverflow)

        overflowSignal.finish()
        var signals = 0
        for await _ in overflows { signals += 1 }
        #expect(signals == 1)

        frameQueue.finish()
        var queued: [String] = []
        for await text in frames { queued.append(text) }
        #expect(queued == ["a", "b"])  // the oldest are kept, in order
    }

    @Test func aSlowSocketIsCountedByTheFanout() {
        // The reading ends stay alive (a dropped stream would just swallow what is offered).
        let (frames, frameQueue) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(2))
        let (overflows, overflowSignal) = AsyncStream.makeStream(of: Void.self)
        let socket = NotificationSocket(frames: frameQueue, overflow: overflowSignal, closedAccount: AsyncStream.makeStream(of: Void.self).continuation)
        let fanout = LocalFanout(logger: testLogger, render: NotificationSocketHandler.render)
        fanout.subscribe(socket, to: .user(1))
        withExtendedLifetime((frames, overflows)) {
            for _ in 1...3 { fanout.deliver(Publication(event: .interestChanged(1), topics: [.user(1)])) }
        }
        #expect(fanout.counters.snapshot.delivered == 2)
        #expect(fanout.counters.snapshot.overflowed == 1)
        #expect(socket.didOverflow)
    }

    // MARK: Publish only after commit

    /// What the database held when each publication was made.
    enum Seen: Equatable, Sendable {
        case interest(accepted: Bool)
        case noInterest
        case message
        case noMessage
    }

    /// A broker that, at the moment a publication is made, looks in the database for the row
    /// it describes (through the store's own readers, so only committed data is visible).
    final class CommitCheckingBroker: Broker {
        let store: SQLiteStore
        let subscribers = LocalFanout(logger: testLogger, render: NotificationSocketHandler.render)
        private let seen = Mutex<[Seen]>([])

        init(store: SQLiteStore) {
            self.store = store
        }

        var reachesOtherProcesses: Bool { false }
        var health: BrokerHealth { .inProcess }
        func start() async {}
        func run() async throws { try await gracefulShutdown() }
        func stop() async {}

        func publish(_ publication: Publication) async {
            let observation: Seen
            switch publication.event {
            case .interestChanged(let id):
                let interest = try? await store.interest(id: id)
                observation = interest.map { .interest(accepted: $0.isAccepted) } ?? .noInterest
            case .chatMessagePosted(_, let message):
                observation = (try? await store.message(id: message)) != nil ? .message : .noMessage
            case .eventLogAppended, .typing, .presenceChanged, .accountClosed:
                // Wake-ups follow the v1 publications of the same change; only those are watched.
                subscribers.deliver(publication)
                return
            }
            seen.withLock { $0.append(observation) }
            subscribers.deliver(publication)
        }

        /// Returns what was seen since the last call.
        func drain() -> [Seen] {
            seen.withLock { seen in
                let drained = seen
                seen = []
                return drained
            }
        }
    }

    @Test func notificationsArePublishedOnlyAfterTheirWriteCommitted() async throws {
        try await withTemporaryDirectory { folder in
            let store = try SQLiteStore(path: folder.appendingPathComponent("chat.sqlite3").path)
            try await store.migrate()
            let broker = CommitCheckingBroker(store: store)
            let interests = InterestService(store: store, broker: broker)
            let messages = ChatMessageService(store: store, broker: broker, interests: interests, maxMessageLength: 100)
            let users = UserService(store: store, broker: broker)
            let alice = try await store.createUser(NewUser(phoneNumber: Demo.alice, firstName: "Alice"), at: Date())
            let rahul = try await store.createUser(NewUser(phoneNumber: Demo.rahul, firstName: "Rahul"), at: Date())
            let maria = try await store.createUser(NewUser(phoneNumber: Demo.maria, firstName: "Maria"), at: Date())
            let admin = try await store.createUser(NewUser(phoneNumber: Demo.admin, isStaff: true, isSuperuser: true), at: Date())

            let interest = try await interests.send(from: alice, to: rahul.id)
            #expect(broker.drain() == [.interest(accepted: false)])
            try await interests.accept(interest.id, by: rahul)
            #expect(broker.drain() == [.interest(accepted: true)])
            let message = try await messages.post("hello", in: interest.id, by: alice)
            #expect(broker.drain() == [.message])
            try await interests.delete(interest.id, by: rahul)
            #expect(broker.drain() == [.noInterest])
            #expect(try await store.message(id: message.id) == nil)

            // A user deleted by the admin: each of their interests is announced once it is gone.
            _ = try await interests.send(from: maria, to: alice.id)
            _ = try await interests.send(from: rahul, to: maria.id)
            _ = broker.drain()
            try await users.delete(id: maria.id, by: admin)
            #expect(broker.drain() == [.noInterest, .noInterest])
        }
    }
}
