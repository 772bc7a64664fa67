/// The one query both stores run for a filtered user list, written once: the stores differ only
/// in how a placeholder is spelled and how text compares byte by byte. Prefixes are ranges
/// (`>= p AND < p + U+10FFFF`) over `lower(…)` so that the expression indexes of migration 0008
/// serve them; no part of the input reaches the SQL text.
public struct UserDirectorySQL: Sendable {
    public enum Argument: Sendable, Equatable {
        case int(Int64)
        case text(String)
    }

    public private(set) var sql = ""
    public private(set) var arguments: [Argument] = []

    /// - `columns`: the user columns to select, for table alias `u`.
    /// - `placeholder`: the n-th argument's placeholder (1-based).
    /// - `bytewise`: what makes a comparison byte order (PostgreSQL: `COLLATE "C"`; SQLite: nothing).
    public init(
        _ filter: UserFilter, caller: UserID, after: UserID?, limit: Int?, columns: String,
        placeholder: (Int) -> String, bytewise: String
    ) {
        var clauses: [String] = []
        func bind(_ argument: Argument) -> String {
            arguments.append(argument)
            return placeholder(arguments.count)
        }
        func contact() -> String {
            "EXISTS (SELECT 1 FROM interests i WHERE i.is_accepted AND ((i.sent_by_id = \(bind(.int(caller.rawValue))) AND i.sent_to_id = u.id) "
                + "OR (i.sent_by_id = u.id AND i.sent_to_id = \(bind(.int(caller.rawValue))))))"
        }
        func startsWith(_ column: String, _ prefix: String) -> String {
            "(lower(u.\(column))\(bytewise) >= \(bind(.text(prefix))) AND lower(u.\(column))\(bytewise) < \(bind(.text(prefix + "\u{10FFFF}"))))"
        }
        if !filter.staffView { clauses.append("u.id <> \(bind(.int(caller.rawValue)))") }
        if let after { clauses.append("u.id > \(bind(.int(after.rawValue)))") }
        for prefix in filter.prefixes {
            // Bound in the order the text reads: SQLite's placeholders are positional.
            let names = "\(startsWith("first_name", prefix)) OR \(startsWith("last_name", prefix))"
            let email = filter.privacy
                ? "lower(u.email) = \(bind(.text(prefix))) OR (\(startsWith("email", prefix)) AND \(contact()))"
                : startsWith("email", prefix)
            clauses.append("(\(names) OR \(email))")
        }
        if let numbers = filter.phoneNumbers {
            let list = numbers.map { bind(.text($0)) }.joined(separator: ", ")
            clauses.append("u.phone_number IN (\(list.isEmpty ? "NULL" : list))")
            if !filter.staffView {
                clauses.append("(NOT EXISTS (SELECT 1 FROM user_privacy p WHERE p.user_id = u.id AND p.searchable_by_phone = 0) OR \(contact()))")
            }
        }
        if let firstName = filter.firstName { clauses.append("lower(u.first_name) = \(bind(.text(firstName.lowercased())))") }
        if let email = filter.email { clauses.append("lower(u.email) = \(bind(.text(email.lowercased())))") }
        if let isFriend = filter.isFriend { clauses.append((isFriend ? "" : "NOT ") + contact()) }
        if let isActive = filter.isActive { clauses.append((isActive ? "" : "NOT ") + "u.is_active") }
        if let isStaff = filter.isStaff { clauses.append((isStaff ? "" : "NOT ") + "u.is_staff") }
        sql = "SELECT \(columns) FROM users u" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY u.id"
        // Written into the text, not bound: with `LIMIT ?` SQLite's planner cannot tell a page from
        // everyone, and walks the whole table in id order instead of using the indexes above.
        if let limit { sql += " LIMIT \(max(0, limit))" }
    }
}
