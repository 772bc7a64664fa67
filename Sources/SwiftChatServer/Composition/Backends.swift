import Logging
import SwiftChatCore
import SwiftChatPostgres
import SwiftChatRedis
import SwiftChatSQLite

/// The configured database (PostgreSQL when `DATABASE_URL` is set, else the SQLite file),
/// migrated (`serve`, `migrate`, `seed` and `move-data` all start here).
public func openStore(_ settings: Settings, logger: Logger) async throws -> any ChatStore {
    let store: any ChatStore
    if let url = settings.databaseURL {
        let postgres = PostgresStore(
            url: url, maximumConnections: settings.databaseConnections, operationTimeout: .seconds(settings.databaseTimeout), logger: logger)
        do {
            // A server starting with its database (compose, systemd) gets a moment to wait for it.
            try await postgres.waitUntilReachable(timeout: .seconds(settings.databaseStartupWait))
        } catch {
            await postgres.close()
            throw error
        }
        store = postgres
    } else {
        store = try SQLiteStore(path: settings.databasePath)
    }
    do {
        try await store.migrate()
    } catch {
        await store.close()
        throw error
    }
    return store
}

/// Redis when `REDIS_URL` is set, else the in-process broker. The first connections are made
/// here, so that a socket accepted right after start already hears publications of other
/// processes; if Redis is down, the server starts anyway and the broker keeps trying.
func makeBroker(_ settings: Settings, subscribers: LocalFanout, logger: Logger) async -> any Broker {
    guard let endpoint = settings.redisEndpoint else { return InProcessBroker(subscribers: subscribers) }
    let broker = RedisBroker(
        endpoint: endpoint, channel: settings.redisChannel, listens: settings.role.servesWebSocket, subscribers: subscribers, logger: logger)
    await broker.start()
    return broker
}
