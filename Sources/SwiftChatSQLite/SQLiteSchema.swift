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
        migrator.registerMigration("0002 conversations, members, event log") { db in
            try db.execute(sql: """
                CREATE TABLE conversations (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
                    title TEXT,
                    interest_id INTEGER UNIQUE REFERENCES interests(id) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    created_by INTEGER NOT NULL,
                    activity_at INTEGER NOT NULL,
                    latest_message_id INTEGER
                );
                CREATE TABLE conversation_members (
                    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
                    joined_at INTEGER NOT NULL,
                    PRIMARY KEY (conversation_id, user_id)
                ) WITHOUT ROWID;
                CREATE INDEX conversation_members_user ON conversation_members (user_id, conversation_id);
                INSERT INTO conversations (kind, title, interest_id, created_at, created_by, activity_at)
                    SELECT 'direct', NULL, id, created_at, sent_by_id, created_at FROM interests ORDER BY id;
                INSERT OR IGNORE INTO conversation_members (conversation_id, user_id, role, joined_at)
                    SELECT c.id, i.sent_by_id, 'member', i.created_at FROM conversations c JOIN interests i ON i.id = c.interest_id;
                INSERT OR IGNORE INTO conversation_members (conversation_id, user_id, role, joined_at)
                    SELECT c.id, i.sent_to_id, 'member', i.created_at FROM conversations c JOIN interests i ON i.id = c.interest_id;

                -- Messages belong to a conversation; interest_id stays for v1 (null in groups).
                CREATE TABLE messages_v2 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    interest_id INTEGER REFERENCES interests(id) ON DELETE CASCADE,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    message TEXT NOT NULL,
                    client_id TEXT,
                    created_at INTEGER NOT NULL
                );
                INSERT INTO messages_v2 (id, conversation_id, interest_id, user_id, message, created_at)
                    SELECT m.id, c.id, m.interest_id, m.user_id, m.message, m.created_at
                    FROM chat_messages m JOIN conversations c ON c.interest_id = m.interest_id ORDER BY m.id;
                CREATE TEMP TABLE kept_sequence AS SELECT seq FROM sqlite_sequence WHERE name = 'chat_messages';
                DROP TABLE chat_messages;
                ALTER TABLE messages_v2 RENAME TO chat_messages;
                -- The largest id ever handed out survives the rebuild: ids are never reused.
                UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM kept_sequence)) WHERE name = 'chat_messages'
                    AND EXISTS (SELECT 1 FROM kept_sequence);
                INSERT INTO sqlite_sequence (name, seq) SELECT 'chat_messages', seq FROM kept_sequence
                    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'chat_messages');
                DROP TABLE kept_sequence;
                CREATE INDEX chat_messages_interest ON chat_messages (interest_id, id);
                CREATE INDEX chat_messages_conversation ON chat_messages (conversation_id, id);
                CREATE INDEX chat_messages_user ON chat_messages (user_id);
                CREATE UNIQUE INDEX chat_messages_client_id ON chat_messages (conversation_id, user_id, client_id) WHERE client_id IS NOT NULL;
                UPDATE conversations SET
                    latest_message_id = (SELECT max(id) FROM chat_messages m WHERE m.conversation_id = conversations.id),
                    activity_at = max(activity_at, coalesce((SELECT max(created_at) FROM chat_messages m WHERE m.conversation_id = conversations.id), 0));
                CREATE INDEX conversations_activity ON conversations (activity_at, id);

                -- One event log per user: an event's JSON once, one row per recipient.
                CREATE TABLE event_payloads (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    type TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    data TEXT NOT NULL
                );
                CREATE INDEX event_payloads_at ON event_payloads (at);
                CREATE TABLE events (
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    seq INTEGER NOT NULL,
                    payload_id INTEGER NOT NULL REFERENCES event_payloads(id) ON DELETE CASCADE,
                    PRIMARY KEY (user_id, seq)
                ) WITHOUT ROWID;
                CREATE INDEX events_payload ON events (payload_id);
                CREATE TABLE event_heads (
                    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                    last_seq INTEGER NOT NULL
                );
                CREATE TABLE swiftchat_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO swiftchat_meta (key, value) VALUES ('epoch', lower(hex(randomblob(16))));
                """)
        }
        migrator.registerMigration("0003 attachments, blob deletions") { db in
            try db.execute(sql: """
                CREATE TABLE attachments (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    uploader_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    storage_key TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    mime_type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    width INTEGER,
                    height INTEGER,
                    thumbnail_key TEXT,
                    thumbnail_width INTEGER,
                    thumbnail_height INTEGER,
                    message_id INTEGER REFERENCES chat_messages(id) ON DELETE CASCADE,
                    position INTEGER,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX attachments_message ON attachments (message_id, position);
                CREATE INDEX attachments_uploader ON attachments (uploader_id);
                CREATE INDEX attachments_unattached ON attachments (created_at) WHERE message_id IS NULL;
                -- Blobs to delete from the storage, and when; the sweeper drains it.
                CREATE TABLE blob_deletions (
                    storage_key TEXT PRIMARY KEY,
                    due_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX blob_deletions_due ON blob_deletions (due_at);
                -- Fires for cascades too: a deleted message, conversation, interest or user
                -- queues its files in the transaction that deletes it.
                CREATE TRIGGER attachments_queue_blobs AFTER DELETE ON attachments BEGIN
                    INSERT OR REPLACE INTO blob_deletions (storage_key, due_at)
                        VALUES (OLD.storage_key, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
                    INSERT OR REPLACE INTO blob_deletions (storage_key, due_at)
                        SELECT OLD.thumbnail_key, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
                        WHERE OLD.thumbnail_key IS NOT NULL;
                END;
                """)
        }
        migrator.registerMigration("0004 read markers") { db in
            // Members read what they had before markers existed, so an upgrade shows nothing unread.
            try db.execute(sql: """
                ALTER TABLE conversation_members ADD COLUMN last_read_message_id INTEGER;
                UPDATE conversation_members SET last_read_message_id =
                    (SELECT latest_message_id FROM conversations WHERE conversations.id = conversation_members.conversation_id);
                """)
        }
        migrator.registerMigration("0005 message edits and deletes") { db in
            try db.execute(sql: """
                ALTER TABLE chat_messages ADD COLUMN edited_at INTEGER;
                ALTER TABLE chat_messages ADD COLUMN deleted_at INTEGER;
                """)
        }
        migrator.registerMigration("0006 presence") { db in
            try db.execute(sql: """
                CREATE TABLE user_presence (
                    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
                    last_seen_at INTEGER
                );
                """)
        }
        migrator.registerMigration("0007 message search") { db in
            // An FTS5 index over the messages' text, kept in step by triggers: posts, edits,
            // deletes (a tombstone's text is empty) and rows copied in by move-data alike.
            try db.execute(sql: """
                CREATE VIRTUAL TABLE message_search USING fts5(
                    message, content = 'chat_messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
                );
                INSERT INTO message_search (message_search) VALUES ('rebuild');
                CREATE TRIGGER chat_messages_search_insert AFTER INSERT ON chat_messages BEGIN
                    INSERT INTO message_search (rowid, message) VALUES (NEW.id, NEW.message);
                END;
                CREATE TRIGGER chat_messages_search_delete AFTER DELETE ON chat_messages BEGIN
                    INSERT INTO message_search (message_search, rowid, message) VALUES ('delete', OLD.id, OLD.message);
                END;
                CREATE TRIGGER chat_messages_search_update AFTER UPDATE OF message ON chat_messages BEGIN
                    INSERT INTO message_search (message_search, rowid, message) VALUES ('delete', OLD.id, OLD.message);
                    INSERT INTO message_search (rowid, message) VALUES (NEW.id, NEW.message);
                END;
                """)
        }
        migrator.registerMigration("0008 user directory") { db in
            // Prefix searches are ranges over lower(...), which these indexes serve.
            try db.execute(sql: """
                CREATE TABLE user_privacy (
                    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                    searchable_by_phone INTEGER NOT NULL DEFAULT 1 CHECK (searchable_by_phone IN (0, 1))
                );
                CREATE INDEX users_first_name_lower ON users (lower(first_name));
                CREATE INDEX users_last_name_lower ON users (lower(last_name));
                CREATE INDEX users_email_lower ON users (lower(email));
                """)
        }
        migrator.registerMigration("0009 shared locations") { db in
            // An R*Tree over whole microdegrees (rtree_i32, so points are exact), kept in step by
            // triggers: a cascade from a deleted user fires them too.
            try db.execute(sql: """
                CREATE TABLE user_locations (
                    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                    latitude_e6 INTEGER NOT NULL CHECK (latitude_e6 BETWEEN -90000000 AND 90000000),
                    longitude_e6 INTEGER NOT NULL CHECK (longitude_e6 BETWEEN -180000000 AND 180000000),
                    accuracy_m INTEGER,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX user_locations_expiry ON user_locations (expires_at);
                CREATE VIRTUAL TABLE user_locations_index USING rtree_i32 (user_id, min_lat, max_lat, min_lon, max_lon);
                CREATE TRIGGER user_locations_indexed AFTER INSERT ON user_locations BEGIN
                    INSERT INTO user_locations_index VALUES (new.user_id, new.latitude_e6, new.latitude_e6, new.longitude_e6, new.longitude_e6);
                END;
                CREATE TRIGGER user_locations_moved AFTER UPDATE ON user_locations BEGIN
                    UPDATE user_locations_index SET min_lat = new.latitude_e6, max_lat = new.latitude_e6,
                        min_lon = new.longitude_e6, max_lon = new.longitude_e6 WHERE user_id = new.user_id;
                END;
                CREATE TRIGGER user_locations_removed AFTER DELETE ON user_locations BEGIN
                    DELETE FROM user_locations_index WHERE user_id = old.user_id;
                END;
                """)
        }
        migrator.registerMigration("0010 admin sessions, audit log") { db in
            // The audit log names its actor without a reference: it outlives deleted accounts.
            try db.execute(sql: """
                CREATE TABLE admin_sessions (
                    token_hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX admin_sessions_user ON admin_sessions (user_id);
                CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);
                CREATE TABLE admin_audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    actor_id INTEGER NOT NULL,
                    actor_phone TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    before TEXT,
                    after TEXT,
                    at INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }
}
