import PostgresNIO
import SwiftChatCore
import Synchronization

/// The end of one store operation's time. When it passes, the connections the operation holds
/// are closed: a statement waits for its answer without regard to cancellation, and closing is
/// what ends the wait (a silent server, a lock that is never released). A connection is held
/// only while its statements run, so one already back in the pool is never closed.
final class OperationExpiry: Sendable {
    private struct State {
        var passed = false
        var held: [ObjectIdentifier: PostgresConnection] = [:]
    }

    private let state = Mutex(State())

    var hasPassed: Bool { state.withLock { $0.passed } }

    /// Closes every connection still held.
    func pass() {
        let held = state.withLock { state -> [PostgresConnection] in
            state.passed = true
            defer { state.held = [:] }
            return Array(state.held.values)
        }
        for connection in held { (connection.close as () -> Void)() }
    }

    /// Runs `body` with `connection` held: closed if the time passes before `body` returns (or
    /// at once, if it has passed already).
    func holding<T: Sendable>(_ connection: PostgresConnection, _ body: () async throws -> T) async throws -> T {
        let key = ObjectIdentifier(connection)
        let passed = state.withLock { state -> Bool in
            if !state.passed { state.held[key] = connection }
            return state.passed
        }
        if passed {
            (connection.close as () -> Void)()
            throw StoreError.unavailable
        }
        defer { _ = state.withLock { $0.held.removeValue(forKey: key) } }
        return try await body()
    }
}
