/// Copies every row of one store into another, empty one, keeping ids, then checks the copy
/// row by row against the source. How a single-binary install moves from SQLite to PostgreSQL.
public struct DataMover: Sendable {
    public struct TargetNotEmpty: Error, CustomStringConvertible {
        public let counts: TableCounts
        public var description: String { "the target database is not empty (\(counts)); nothing was copied" }
    }

    public struct Mismatch: Error, CustomStringConvertible {
        public let description: String
    }

    let source: any ChatStore
    let target: any ChatStore
    let batchSize: Int

    public init(from source: any ChatStore, to target: any ChatStore, batchSize: Int = 500) {
        self.source = source
        self.target = target
        self.batchSize = batchSize
    }

    /// Returns the counts copied. Parents go before children (users, interests, messages), so
    /// every foreign key holds as rows arrive.
    @discardableResult
    public func move() async throws -> TableCounts {
        try await requireEmptyTarget()
        try await copy(read: source.users(after:limit:), write: target.importUsers, id: \.id)
        try await copy(read: source.interests(after:limit:), write: target.importInterests, id: \.id)
        for table in TransferTable.beforeMessages { try await copy(table) }
        try await copy(read: source.messages(after:limit:), write: target.importMessages, id: \.id)
        for table in TransferTable.afterMessages { try await copy(table) }
        try await target.importPendingOTPs(source.allPendingOTPs())
        try await target.adoptEpoch(source.epoch())
        try await target.finishImport(watermarks: source.idWatermarks())
        return try await verify()
    }

    /// Throws `TargetNotEmpty` unless the target holds no rows: a move never merges.
    public func requireEmptyTarget() async throws {
        let existing = try await target.tableCounts()
        guard existing.isEmpty else { throw TargetNotEmpty(counts: existing) }
    }

    /// Compares counts, then every row, batch by batch.
    public func verify() async throws -> TableCounts {
        let expected = try await source.tableCounts()
        let copied = try await target.tableCounts()
        guard expected == copied else { throw Mismatch(description: "source has \(expected) but target has \(copied)") }
        try await compare("users", source.users(after:limit:), target.users(after:limit:), id: \.id)
        try await compare("interests", source.interests(after:limit:), target.interests(after:limit:), id: \.id)
        try await compare("chat messages", source.messages(after:limit:), target.messages(after:limit:), id: \.id)
        for table in TransferTable.all { try await compare(table) }
        guard try await source.epoch() == target.epoch() else { throw Mismatch(description: "the event log epochs differ") }
        guard try await source.allPendingOTPs() == target.allPendingOTPs() else {
            throw Mismatch(description: "pending OTP codes differ")
        }
        let sourceMarks = try await source.idWatermarks()
        let targetMarks = try await target.idWatermarks()
        guard targetMarks.covers(sourceMarks) else {
            throw Mismatch(description: "the target would hand out ids the source already used")
        }
        return copied
    }

    private func copy(_ table: TransferTable) async throws {
        var last: [TransferValue]?
        while true {
            let batch = try await source.rows(of: table, after: last, limit: batchSize)
            guard let tail = batch.last else { return }
            try await target.importRows(batch, into: table)
            last = Array(tail.prefix(table.keyCount))
        }
    }

    private func compare(_ table: TransferTable) async throws {
        var last: [TransferValue]?
        while true {
            let expected = try await source.rows(of: table, after: last, limit: batchSize)
            guard expected == (try await target.rows(of: table, after: last, limit: batchSize)) else {
                throw Mismatch(description: "\(table.name) differ after key \(last.map { "\($0)" } ?? "start")")
            }
            guard let tail = expected.last else { return }
            last = Array(tail.prefix(table.keyCount))
        }
    }

    private func copy<Row: Sendable, Entity>(
        read: (EntityID<Entity>, Int) async throws -> [Row], write: ([Row]) async throws -> Void, id: KeyPath<Row, EntityID<Entity>>
    ) async throws {
        var last: EntityID<Entity> = 0
        while true {
            let batch = try await read(last, batchSize)
            guard let tail = batch.last else { return }
            try await write(batch)
            last = tail[keyPath: id]
        }
    }

    private func compare<Row: Sendable & Equatable, Entity>(
        _ table: String, _ original: (EntityID<Entity>, Int) async throws -> [Row], _ copy: (EntityID<Entity>, Int) async throws -> [Row],
        id: KeyPath<Row, EntityID<Entity>>
    ) async throws {
        var last: EntityID<Entity> = 0
        while true {
            let expected = try await original(last, batchSize)
            let actual = try await copy(last, batchSize)
            guard expected == actual else {
                let first = zip(expected, actual).first { $0 != $1 }.map { "\($0.0[keyPath: id])" } ?? "after id \(last)"
                throw Mismatch(description: "\(table) differ at id \(first)")
            }
            guard let tail = expected.last else { return }
            last = tail[keyPath: id]
        }
    }
}
