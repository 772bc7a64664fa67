import GRDB
import SwiftChatCore

/// Ids bind and read as the `INTEGER` they are, so that statements pass ids as they pass any
/// other value (`arguments: [id]`, `row["id"]`).
extension EntityID: DatabaseValueConvertible, StatementColumnConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Self? {
        Int64.fromDatabaseValue(dbValue).map(Self.init(rawValue:))
    }

    public init?(sqliteStatement: SQLiteStatement, index: CInt) {
        self.init(rawValue: Int64(sqliteStatement: sqliteStatement, index: index))
    }
}

extension Database {
    /// The id of the row the last INSERT made, typed as the id of what it inserted.
    func lastInsertedID<Entity>() -> EntityID<Entity> {
        EntityID(rawValue: lastInsertedRowID)
    }
}
