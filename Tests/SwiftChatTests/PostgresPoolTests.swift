import Foundation
import Synchronization
import Testing
@testable import SwiftChatCore
@testable import SwiftChatPostgres

/// Statements cancelled by their caller (a socket closing while its read runs) must leave the
/// PostgreSQL pool able to lend every connection again. Closing leased connections on every
/// cancellation left the pool unable to lend: requests and handshakes waited forever, and the
/// production test pass stalled with every task waiting for a connection.
@Suite("PostgreSQL pool")
struct PostgresPoolTests {
    @Test("rounds of cancelled reads leave a two-connection pool serving", .enabled(if: TestBackends.stores.contains(.postgres)))
    func cancelledReadsLeaveThePoolWhole() async throws {
        try await withStorePlace(.postgres) { place in
            let store = PostgresStore.standalone(url: try PostgresURL(try #require(place.databaseURL)), maximumConnections: 2, logger: testLogger)
            try await bounded(60) { try await store.migrate() }
            let user = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Date())
            var served = 0
            for round in 0..<30 {
                let readers = (0..<8).map { _ in Task { _ = try await store.events(of: user.id, after: 0, limit: 10) } }
                // Cancel them at varied points: waiting for a lease, mid-statement, done.
                try await Task.sleep(for: .milliseconds(round % 5))
                readers.forEach { $0.cancel() }
                for reader in readers { _ = await reader.result }
                // Every round, the pool must still lend both connections at once.
                try await bounded(20) {
                    async let first: Void = store.ping()
                    async let second: Void = store.ping()
                    _ = try await (first, second)
                }
                served += 1
            }
            #expect(served == 30)
            await store.close()
        }
    }

    /// A caller cancelled while its statement waits on a lock (its socket closed) still gets an
    /// answer by the operation's deadline: before, the deadline was cancelled with the caller and
    /// the call waited for the lock forever. Afterwards the pool lends both connections again.
    @Test("a cancelled call stuck on a lock ends at its deadline, and the pool serves afterwards",
          .enabled(if: TestBackends.stores.contains(.postgres)))
    func aCancelledCallStuckOnALockEndsAtItsDeadline() async throws {
        try await withStorePlace(.postgres) { place in
            let url = try PostgresURL(try #require(place.databaseURL))
            let store = PostgresStore.standalone(url: url, maximumConnections: 2, operationTimeout: .seconds(2), logger: testLogger)
            try await bounded(60) { try await store.migrate() }
            let user = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Date())
            // Another connection takes the table and keeps it.
            let holder = PostgresStore.standalone(url: url, maximumConnections: 1, operationTimeout: .seconds(60), logger: testLogger)
            let holderPID = Mutex<Int32?>(nil)
            let locked = Task {
                try await holder.transaction { connection, logger in
                    try await connection.run("LOCK TABLE users IN ACCESS EXCLUSIVE MODE", logger: logger)
                    let pid = try await connection.first("SELECT pg_backend_pid()", logger: logger) { try $0.next(Int32.self) }
                    holderPID.withLock { $0 = pid }
                    try await Task.sleep(for: .seconds(10))
                }
            }
            try #require(await eventually(within: .seconds(20)) { holderPID.withLock { $0 } != nil }, "the lock was never taken")
            let pid = try #require(holderPID.withLock { $0 })
            let call = Task { try await store.user(id: user.id) }
            // Cancelled only once its statement waits on the lock (seen from a third connection).
            let observer = PostgresStore.standalone(url: url, maximumConnections: 1, operationTimeout: .seconds(60), logger: testLogger)
            let waiting = await eventually(within: .seconds(20)) {
                let blocked = try? await observer.pooled { connection, logger in
                    try await connection.first(
                        "SELECT count(*) FROM pg_stat_activity WHERE \(pid) = ANY(pg_blocking_pids(pid))", logger: logger
                    ) { try $0.next(Int64.self) }
                }
                return (blocked ?? nil ?? 0) > 0
            }
            try #require(waiting, "the call never waited on the lock")
            call.cancel()
            let outcome = try await bounded(6) { await call.result }
            #expect(throws: StoreError.unavailable) { try outcome.get() }
            // The lock goes; both connections serve again.
            _ = await locked.result
            try await bounded(20) {
                async let first: Void = store.ping()
                async let second: Void = store.ping()
                _ = try await (first, second)
            }
            #expect(try await store.user(id: user.id)?.id == user.id)
            await observer.close()
            await holder.close()
            await store.close()
        }
    }
}
