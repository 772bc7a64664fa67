import GRDB

/// Numbered migrations; a migration is never edited once released, only followed by another.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001 users, otp codes, interests, chat messages") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    phone_number TEXT NOT NULL UNIQUE,
                    email TEXT,
                    first_name TEXT NOT NULL DEFAULT '',
                    last_name TEXT NOT NULL DEFAULT '',
                    password TEXT NOT NULL DEFAULT '',
                    is_active INTEGER NOT NULL DEFAULT 1,
                    is_staff INTEGER NOT NULL DEFAULT 0,
                    is_superuser INTEGER NOT NULL DEFAULT 0,
                    date_joined INTEGER NOT NULL,
                    last_login INTEGER
                );
                CREATE TABLE otp_codes (
                    phone_number TEXT NOT NULL,
                    otp_for TEXT NOT NULL CHECK (otp_for IN ('N', 'A')),
                    code_hash TEXT NOT NULL,
                    expire_at INTEGER NOT NULL,
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (phone_number, otp_for)
                ) WITHOUT ROWID;
                CREATE TABLE interests (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    sent_by_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    sent_to_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    is_accepted INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL
                );
                -- One interest per unordered pair: A->B blocks B->A.
                CREATE UNIQUE INDEX interests_pair ON interests (min(sent_by_id, sent_to_id), max(sent_by_id, sent_to_id));
                CREATE INDEX interests_sent_by ON interests (sent_by_id);
                CREATE INDEX interests_sent_to ON interests (sent_to_id);
                CREATE TABLE chat_messages (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    interest_id INTEGER NOT NULL REFERENCES interests(id) ON DELETE CASCADE,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    message TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX chat_messages_interest ON chat_messages (interest_id, id);
                CREATE INDEX chat_messages_user ON chat_messages (user_id);
                """)
        }
        return migrator
    }
}
