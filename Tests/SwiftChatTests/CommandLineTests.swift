import Foundation
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// `swiftchat migrate` and `swiftchat move-data`, run as a self-hoster runs them.
@Suite("Command line", .enabled(if: ServerProcess.executable != nil || TestBackends.required, "runs the swiftchat binary, which is not built (swift build)"))
struct CommandLineTests {
    @Test("migrate creates the schema on each database and can run again", arguments: TestBackends.stores)
    func migrate(backend: StoreBackend) async throws {
        try await withStorePlace(backend) { place in
            try await withTemporaryDirectory { folder in
                var environment = ["DATABASE_NAME": place.sqlitePath]
                if let url = place.databaseURL { environment["DATABASE_URL"] = url }
                for _ in 0..<2 {
                    let run = try await runSwiftChat(["migrate"], environment: environment, folder: folder)
                    #expect(run.status == 0, "\(run.output)")
                    #expect(run.output.contains("database migrated"))
                }
                let store = try await place.open()
                #expect(try await store.tableCounts().isEmpty, "migrate creates tables and seeds nothing")
                await store.close()
            }
        }
    }

    @Test("move-data copies an SQLite install into an empty database, and refuses to copy twice", arguments: TestBackends.stores)
    func moveData(backend: StoreBackend) async throws {
        try await withStorePlace(.sqlite) { source in
            try await withStorePlace(backend) { target in
                try await withTemporaryDirectory { folder in
                    // The install: seeded accounts plus a conversation.
                    let seeded = try await runSwiftChat(["seed"], environment: ["DATABASE_NAME": source.sqlitePath], folder: folder)
                    #expect(seeded.status == 0, "\(seeded.output)")
                    let store = try await source.open()
                    let users = try await store.users(after: 0, limit: 10)
                    let interest = try await store.createInterest(from: users[1].id, to: users[2].id, at: .now)
                    _ = try await store.createMessage(in: interest.id, by: users[1].id, text: "before the move", at: .now)
                    let before = try await store.tableCounts()
                    await store.close()

                    // SQLite targets have no URL; the command only moves into PostgreSQL.
                    guard let targetURL = target.databaseURL else {
                        let refused = try await runSwiftChat(
                            ["move-data", "--to", "sqlite:///elsewhere.db"], environment: ["DATABASE_NAME": source.sqlitePath], folder: folder)
                        #expect(refused.status != 0)
                        #expect(refused.output.contains("--to") && refused.output.contains("postgres://"), "\(refused.output)")
                        // A wrong DATABASE_NAME is refused, not taken for an empty install.
                        let unused = "postgres://nobody@127.0.0.1:1/never?sslmode=disable"
                        let missing = folder.appendingPathComponent("typo.sqlite3").path
                        let noFile = try await runSwiftChat(["move-data", "--to", unused], environment: ["DATABASE_NAME": missing], folder: folder)
                        #expect(noFile.status != 0 && noFile.output.contains("no SQLite database at \(missing)"), "\(noFile.output)")
                        #expect(!FileManager.default.fileExists(atPath: missing), "nothing is created in its place")
                        let empty = folder.appendingPathComponent("empty.sqlite3").path
                        _ = try await runSwiftChat(["migrate"], environment: ["DATABASE_NAME": empty], folder: folder)
                        let noRows = try await runSwiftChat(["move-data", "--to", unused], environment: ["DATABASE_NAME": empty], folder: folder)
                        #expect(noRows.status != 0 && noRows.output.contains("holds no rows"), "\(noRows.output)")
                        return
                    }
                    let moved = try await runSwiftChat(["move-data", "--to", targetURL], environment: ["DATABASE_NAME": source.sqlitePath], folder: folder)
                    #expect(moved.status == 0, "\(moved.output)")
                    #expect(moved.output.contains("the copy matches the source"))
                    let copy = try await target.open()
                    #expect(try await copy.tableCounts() == before)
                    #expect(try await copy.messages(in: interest.id, ordering: .id).map(\.message) == ["before the move"])
                    await copy.close()

                    let again = try await runSwiftChat(["move-data", "--to", targetURL], environment: ["DATABASE_NAME": source.sqlitePath], folder: folder)
                    #expect(again.status != 0)
                    #expect(again.output.contains("not empty"), "\(again.output)")
                }
            }
        }
    }

    @Test("move-data --copy-media copies the media folder into the bucket before the rows, and says what it needs",
          .enabled(if: S3BlobStorageTests.serverAvailable && TestBackends.postgresURL != nil || TestBackends.required,
                   "needs SWIFTCHAT_TEST_S3_URL and SWIFTCHAT_TEST_POSTGRES_URL (scripts/test_backends.sh start)"))
    func moveDataCopiesMedia() async throws {
        try await withStorePlace(.sqlite) { source in
            try await withStorePlace(.postgres) { target in
                try await withTemporaryDirectory { folder in
                    let media = folder.appendingPathComponent("media").path
                    let store = try await source.open()
                    let files = try await BlobCopierTests.install(store, files: try LocalDiskBlobStorage(root: media))
                    await store.close()
                    let targetURL = try #require(target.databaseURL)
                    var environment = ["DATABASE_NAME": source.sqlitePath, "SWIFTCHAT_MEDIA_DIR": media]

                    let noBucket = try await runSwiftChat(["move-data", "--to", targetURL, "--copy-media"], environment: environment, folder: folder)
                    #expect(noBucket.status != 0 && noBucket.output.contains("SWIFTCHAT_S3_BUCKET"), "\(noBucket.output)")

                    let bucket = try await S3BlobStorageTests.freshStorage()
                    environment.merge([
                        "SWIFTCHAT_S3_BUCKET": bucket.configuration.bucket, "SWIFTCHAT_S3_ENDPOINT": try #require(TestBackends.s3URL),
                        "SWIFTCHAT_S3_ACCESS_KEY_ID": TestBackends.s3AccessKeyID ?? "test",
                        "SWIFTCHAT_S3_SECRET_ACCESS_KEY": TestBackends.s3SecretAccessKey ?? "test",
                    ]) { $1 }
                    let moved = try await runSwiftChat(["move-data", "--to", targetURL, "--copy-media"], environment: environment, folder: folder)
                    #expect(moved.status == 0, "\(moved.output)")
                    #expect(moved.output.contains("3 blobs copied") && moved.output.contains("1 missing"), "\(moved.output)")
                    #expect(moved.output.contains("the copy matches the source"))
                    for (key, bytes) in files {
                        #expect(try await S3BlobStorageTests.collect(bucket.read(key: key, range: nil)) == bytes)
                    }
                    let copy = try await target.open()
                    #expect(try await copy.attachmentTotals().count == 3)
                    await copy.close()
                }
            }
        }
    }
}
