import Foundation
import GRDB
import ServiceLifecycle
import SwiftChatCore

/// The embedded store: one SQLite file in WAL mode, one writer and a pool of readers.
/// Times are kept as integer microseconds since 1970, the precision the API shows.
public final class SQLiteStore: ChatStore {
    let pool: DatabasePool

    /// Opens (creating if needed) the database file at `path`, creating its folder too. The file
    /// holds phone numbers, chat text and password hashes: a folder made here is the owner's only
    /// (0700), and the database file, with the WAL and shared-memory files SQLite derives from its
    /// mode, is 0600. An existing folder is left as it is (it may be shared, like /tmp).
    public init(path: String, maximumReaders: Int = 8) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let files = FileManager.default
        if !files.fileExists(atPath: folder.path) {
            try files.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if !files.fileExists(atPath: path) {
            // An empty file is a new database to SQLite; made here, it never exists with a wider mode.
            guard files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        for file in [path, path + "-wal", path + "-shm"] where files.fileExists(atPath: file) {
            try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.maximumReaderCount = maximumReaders
        // Wait for a busy writer (another process running `migrate`, say) instead of failing.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    public func migrate() async throws {
        // Several processes may migrate a new file at once (replicas starting, `seed` beside
        // `serve`). GRDB reads which migrations are applied before it takes the write lock, so
        // the loser of a race meets a table the winner has just made; its transaction is rolled
        // back, and the next attempt finds the winner's migrations applied.
        var attempt = 1
        while true {
            do {
                return try SQLiteSchema.migrator.migrate(pool)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR && attempt < 5 {
                try await Task.sleep(for: .milliseconds(20 * attempt))
                attempt += 1
            }
        }
    }

    /// Applies the migrations up to and including `name` only (upgrade tests).
    func migrate(through name: String) throws {
        try SQLiteSchema.migrator.migrate(pool, upTo: name)
    }

    /// The file needs nothing kept up: waits for the application's shutdown (a service that
    /// returned would end it); cancelled, it returns quietly.
    public func run() async {
        try? await gracefulShutdown()
    }

    public func close() async {
        try? pool.close()
    }

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Runs a write, turning constraint failures into `StoreError`s the services understand.
    /// Statements take microseconds, so they run on the calling thread: GRDB's asynchronous form
    /// hops to its own queue and back, and those thread switches cost more than the SQL.
    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try writeHere(body)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_FOREIGNKEY: throw StoreError.missingReference
            default: throw StoreError.conflict
            }
        }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try readHere(body)
    }

    // Synchronous on purpose (see `write`); from a synchronous function GRDB's blocking form is chosen.
    private func writeHere<T>(_ body: (Database) throws -> T) throws -> T { try pool.write(body) }
    private func readHere<T>(_ body: (Database) throws -> T) throws -> T { try pool.read(body) }
}

/// Prepared statements kept per connection, for the fixed SQL of the hot paths: preparing
/// (parsing, and GRDB's authorizer) cost more than running them. Statements whose SQL is built
/// per request (filters) are not cached, so the cache cannot grow without bound.
extension Database {
    func fetchRow(sql: String, arguments: StatementArguments) throws -> Row? {
        try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    func fetchRows(sql: String, arguments: StatementArguments) throws -> [Row] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }

    func run(sql: String, arguments: StatementArguments) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
