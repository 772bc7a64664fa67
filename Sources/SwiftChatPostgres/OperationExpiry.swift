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

    /// Closes every connection still held. Inside the lock (closing only starts it), so that a
    /// body returning at this moment cannot hand its connection back to the pool first.
    func pass() {
        state.withLock { state in
            state.passed = true
            for connection in state.held.values { (connection.close as () -> Void)() }
            state.held = [:]
        }
    }

    /// Runs `body` with `connection` held: closed if the time passes before `body` returns.
    func holding<T: Sendable>(_ connection: PostgresConnection, _ body: () async throws -> T) async throws -> T {
        let key = ObjectIdentifier(connection)
        let passed = state.withLock { state -> Bool in
            if !state.passed { state.held[key] = connection }
            return state.passed
        }
        // Leased after the deadline: given back unused (a closed one would go back to the pool).
        if passed { throw StoreError.unavailable }
        defer { _ = state.withLock { $0.held.removeValue(forKey: key) } }
        return try await body()
    }
}
