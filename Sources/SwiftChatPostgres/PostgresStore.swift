import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import SwiftChatCore
import Synchronization

/// The production store: PostgreSQL through PostgresNIO's connection pool. Same tables, same
/// answers as the SQLite store; the shared conformance tests hold both to that.
public final class PostgresStore: ChatStore {
    let client: PostgresClient
    let url: PostgresURL
    let logger: Logger
    /// How long an operation may wait for a connection and its statements before it fails
    /// with `StoreError.unavailable` (the pool would otherwise wait for a lost server forever).
    let operationTimeout: Duration
    /// The task running `run()` when the store runs standalone (commands, tests), else nil: in
    /// the server, the application's service group runs the store.
    private let standaloneRunner = Mutex<Task<Void, Never>?>(nil)
    /// The pool's task while `run()` keeps it up; `close()` may end it earlier.
    private let poolTask = Mutex<Task<Void, Never>?>(nil)

    /// A store whose pool works only while `run()` does: add it to the application's services.
    public init(url: PostgresURL, maximumConnections: Int = 20, operationTimeout: Duration = .seconds(10), logger: Logger) {
        var configuration = url.clientConfiguration()
        configuration.options.maximumConnections = maximumConnections
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.url = url
        self.operationTimeout = operationTimeout
        self.logger = logger
    }

    /// A store that runs its pool in a task of its own until `close()`, for a command or a test
    /// that has no service group.
    public static func standalone(
        url: PostgresURL, maximumConnections: Int = 20, operationTimeout: Duration = .seconds(10), logger: Logger
    ) -> PostgresStore {
        let store = PostgresStore(url: url, maximumConnections: maximumConnections, operationTimeout: operationTimeout, logger: logger)
        store.standaloneRunner.withLock { $0 = Task { await store.run() } }
        return store
    }

    /// Runs the pool until the application shuts down gracefully, this task is cancelled or
    /// `close()` is called.
    public func run() async {
        let pool = Task { [client] in await client.run() }
        poolTask.withLock { $0 = pool }
        try? await gracefulShutdown()
        await stopPool()
    }

    /// Ends the pool, whoever runs the store; queries fail afterwards.
    public func close() async {
        if let runner = standaloneRunner.withLock({ $0.take() }) {
            runner.cancel()
            await runner.value
        }
        await stopPool()
    }

    /// Stopping is bounded: a connection stuck mid-handshake with a silent server must not hold
    /// up a shutdown, so after a few seconds the pool is left to finish on its own.
    private func stopPool() async {
        guard let pool = poolTask.withLock({ $0.take() }) else { return }
        pool.cancel()
        await Self.awaitBriefly(pool)
    }

    /// Waits for `task` to end, or five seconds, whichever comes first. Not a task group: it
    /// would wait for the task anyway when leaving its scope.
    private static func awaitBriefly(_ task: Task<Void, Never>) async {
        let first = FirstOutcome<Void>()
        Task { await task.value; first.deliver(.success(())) }
        Task { try? await Task.sleep(for: .seconds(5)); first.deliver(.success(())) }
        try? await first.value
    }

    public func migrate() async throws {
        try await PostgresSchema.migrate(client, logger: logger)
    }

    /// Applies the migrations up to and including `name` only (upgrade tests).
    func migrate(through name: String) async throws {
        try await PostgresSchema.migrate(client, logger: logger, through: name)
    }

    public struct Unreachable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Tries single connections until one succeeds or `timeout` has passed, then throws the
    /// last failure in words (refused, wrong password, no such database…). The pool only logs
    /// such failures and keeps waiting, so `serve` and the commands check here first.
    public static func waitUntilReachable(_ url: PostgresURL, timeout: Duration, logger: Logger) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            do {
                let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 0, logger: logger)
                try await connection.close()
                return
            } catch {
                guard ContinuousClock.now < deadline, !Task.isCancelled else {
                    let reason = (error as? PSQLError).flatMap { $0.serverInfo?[.message] ?? $0.underlying.map { "\($0)" } } ?? "\(error)"
                    throw Unreachable(description: "cannot connect to the database at \(url): \(reason)")
                }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    public func ping() async throws {
        try await pooled { try await $0.run("SELECT 1", logger: $1) }
    }

    // MARK: Running statements

    /// Runs statements on a pooled connection (each its own transaction).
    func pooled<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await withinTimeout { [client, logger] expired in
            try await client.withConnection { connection in
                try await Self.closingOnExpiry(connection, expired) { try await body(connection, logger) }
            }
        }
    }

    /// Runs several statements as one transaction.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        // The whole transaction is held, BEGIN and COMMIT too: a COMMIT that never gets its
        // answer must be ended by the deadline like any statement.
        try await withinTimeout { [client, logger] expired in
            try await client.withConnection { connection in
                try await Self.closingOnExpiry(connection, expired) {
                    try await connection.withTransaction(logger: logger) { _ in try await body(connection, logger) }
                }
            }
        }
    }

    /// A statement waits for its answer without regard to cancellation. When the operation runs
    /// out of time (a silent server, a lock never released), closing the connection ends the wait
    /// at once (the pool replaces it). Any other cancellation (a socket that closed while its read
    /// ran) lets the statement finish, so the connection goes back to the pool whole: connections
    /// closed while leased were seen to leave the pool unable to lend again.
    private static func closingOnExpiry<T: Sendable>(
        _ connection: PostgresConnection, _ expiry: OperationExpiry, _ body: () async throws -> T
    ) async throws -> T {
        try await expiry.holding(connection, body)
    }

    /// Runs `operation`, or throws `StoreError.unavailable` once `operationTimeout` has passed
    /// (cancelling it: a waiting lease is withdrawn, a running query abandoned). Errors come
    /// out as `StoreError`s where the services have an answer for them.
    private func withinTimeout<T: Sendable>(_ operation: @escaping @Sendable (OperationExpiry) async throws -> T) async throws -> T {
        do {
            return try await race(operation)
        } catch {
            throw Self.storeError(error)
        }
    }

    /// The operation's outcome, or `StoreError.unavailable` at its deadline, whichever comes
    /// first. Unstructured on purpose: a task group would wait for a stuck operation to end, and
    /// a caller cancelled before the deadline (its socket closed) would cancel the deadline too.
    /// At the deadline the operation is cancelled and its connections closed, so it ends soon
    /// after on its own.
    private func race<T: Sendable>(_ operation: @escaping @Sendable (OperationExpiry) async throws -> T) async throws -> T {
        let expiry = OperationExpiry()
        let outcome = FirstOutcome<T>()
        let work = Task {
            do {
                outcome.deliver(.success(try await operation(expiry)))
            } catch {
                outcome.deliver(.failure(error))
            }
        }
        let deadline = Task { [operationTimeout] in
            guard (try? await Task.sleep(for: operationTimeout)) != nil else { return }
            expiry.pass()
            work.cancel()
            outcome.deliver(.failure(StoreError.unavailable))
        }
        defer { deadline.cancel() }
        return try await withTaskCancellationHandler {
            try await outcome.value
        } onCancel: {
            work.cancel()
        }
    }

    static func storeError(_ error: any Error) -> any Error {
        if let failed = error as? PostgresTransactionError, let cause = failed.closureError ?? failed.commitError ?? failed.beginError {
            return storeError(cause)
        }
        guard let psql = error as? PSQLError else { return error }
        // Anything but an error the server reported is the connection failing.
        guard psql.code == .server, let state = psql.serverInfo?[.sqlState] else { return StoreError.unavailable }
        switch state {
        case "23505": return StoreError.conflict  // unique_violation
        case "23503": return StoreError.missingReference  // foreign_key_violation
        default:
            // Classes 08 (connection exception), 53 (insufficient resources) and 57 (operator
            // intervention, e.g. a server shutting down): the database, not the request, is at fault.
            return ["08", "53", "57"].contains(state.prefix(2)) ? StoreError.unavailable : error
        }
    }
}

extension PostgresConnection {
    /// Every row of the result, each read by `map`.
    func all<T>(_ query: PostgresQuery, logger: Logger, _ map: (inout RowReader) throws -> T) async throws -> [T] {
        var results: [T] = []
        for try await row in try await self.query(query, logger: logger) {
            var reader = RowReader(row)
            results.append(try map(&reader))
        }
        return results
    }

    /// The first row of the result, if any.
    func first<T>(_ query: PostgresQuery, logger: Logger, _ map: (inout RowReader) throws -> T) async throws -> T? {
        try await all(query, logger: logger, map).first
    }

    /// Runs a statement whose rows (if any) are not needed.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

/// Reads the columns of a row in select order, so that a column list and its reader are
/// written side by side.
struct RowReader {
    private let cells: PostgresRandomAccessRow
    private var index = 0

    init(_ row: PostgresRow) {
        cells = row.makeRandomAccess()
    }

    mutating func next<T: PostgresDecodable>(_: T.Type = T.self) throws -> T {
        defer { index += 1 }
        return try cells[index].decode(T.self)
    }
}

/// A `timestamptz` carried as exact microseconds. PostgresNIO's own `Date` coding truncates
/// instead of rounding, which would move a time by a microsecond on the way in.
struct Timestamp: PostgresNonThrowingEncodable, PostgresDecodable {
    /// PostgreSQL counts from 2000-01-01.
    private static let postgresEpoch: Int64 = 946_684_800_000_000
    let microsSince1970: Int64

    init(_ date: Date) {
        microsSince1970 = Micros.from(date)
    }

    var date: Date { Micros.date(microsSince1970) }

    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(microsSince1970 - Self.postgresEpoch)
    }

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .timestamptz, format == .binary, buffer.readableBytes == 8, let value = buffer.readInteger(as: Int64.self) else {
            throw PostgresDecodingError.Code.typeMismatch
        }
        microsSince1970 = value + Self.postgresEpoch
    }
}
