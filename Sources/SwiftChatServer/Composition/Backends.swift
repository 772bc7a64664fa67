import Logging
import SwiftChatCore
import SwiftChatPostgres
import SwiftChatRedis
import SwiftChatS3
import AsyncHTTPClient
import SwiftChatSQLite

/// The configured database (PostgreSQL when `DATABASE_URL` is set, else the SQLite file), once
/// it answers. It works while its `run()` does: the server adds it to the application's
/// services; `standalone` makes it run on its own until `close()` (commands).
func makeStore(_ settings: Settings, standalone: Bool, logger: Logger) async throws -> any ChatStore {
    guard let url = settings.databaseURL else { return try SQLiteStore(path: settings.databasePath) }
    // A server starting with its database (compose, systemd) gets a moment to wait for it.
    // Single connections, not the pool: the pool only logs such failures and keeps waiting.
    try await PostgresStore.waitUntilReachable(url, timeout: .seconds(settings.databaseStartupWait), logger: logger)
    let (connections, timeout) = (settings.databaseConnections, Duration.seconds(settings.databaseTimeout))
    return standalone
        ? PostgresStore.standalone(url: url, maximumConnections: connections, operationTimeout: timeout, logger: logger)
        : PostgresStore(url: url, maximumConnections: connections, operationTimeout: timeout, logger: logger)
}

/// The configured database, running on its own and migrated: `migrate`, `seed` and
/// `move-data` start here. `close()` it when done.
public func openStore(_ settings: Settings, logger: Logger) async throws -> any ChatStore {
    let store = try await makeStore(settings, standalone: true, logger: logger)
    do {
        try await store.migrate()
    } catch {
        await store.close()
        throw error
    }
    return store
}

/// Attachments' storage: the S3-compatible bucket when `SWIFTCHAT_S3_BUCKET` is set, else the
/// media folder on local disk.
func makeBlobStorage(_ settings: Settings, logger: Logger) async throws -> any BlobStorage {
    guard let s3 = settings.media.s3 else { return try LocalDiskBlobStorage(root: settings.media.directory) }
    let storage = S3BlobStorage(
        configuration: try S3Configuration(
            endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region, accessKeyID: s3.accessKeyID,
            secretAccessKey: s3.secretAccessKey, pathStyle: s3.pathStyle),
        httpClient: .shared)
    return storage
}

/// `move-data --copy-media`: the blobs of every attachment `store` names, from the media folder
/// into the bucket the settings name (`SWIFTCHAT_S3_*`, which must be set).
public func copyMediaFolderToBucket(
    _ settings: Settings, store: any ChatStore, logger: Logger, progress: @Sendable (BlobCopier.Summary) -> Void
) async throws -> BlobCopier.Summary {
    precondition(settings.media.s3 != nil, "copyMediaFolderToBucket needs SWIFTCHAT_S3_BUCKET")
    let folder = try LocalDiskBlobStorage(root: settings.media.directory)
    let bucket = try await makeBlobStorage(settings, logger: logger)
    return try await BlobCopier(store: store, from: folder, to: bucket).copyAll(progress: progress)
}

/// Presence where the broker is: in Redis beside a Redis broker, so that every process sees it;
/// in memory beside the in-process one.
func makePresenceRegistry(_ settings: Settings, broker: any Broker) -> any PresenceRegistry {
    guard let redis = broker as? RedisBroker else { return InMemoryPresence() }
    return RedisPresence(channel: settings.redisChannel, broker: redis)
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
