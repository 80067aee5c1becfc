// SQLiteStoreTests: a real SQLite file in a temp directory — migrations on fresh and reopened
// databases, WAL, and the Store contract (StoreContract.swift: CRUD, foreign keys, keyset
// pagination, idempotency keys, transitions), which PostgresStoreTests runs on PostgreSQL.
import Foundation
import Persistence
import TestSupport
import XCTest

final class SQLiteStoreTests: XCTestCase {
    var dir: URL!
    var dbPath: String { dir.appendingPathComponent("spikeforge.sqlite").path }
    override func setUpWithError() throws { dir = try makeTempDirectory(name) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testFreshDatabaseIsMigratedWithWALAndForeignKeys() throws {
        let store = try SQLiteStore(dataDirectory: dir)
        XCTAssertEqual(try store.currentSchemaVersion(), SQLiteStore.schemaVersion)
        XCTAssertEqual(try rawInt(dbPath, "PRAGMA user_version"), Int64(SQLiteStore.schemaVersion))
        XCTAssertEqual(
            try rawInt(
                dbPath,
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                    + "('models','datasets','jobs','job_events')"
            ), 4)
        // WAL is a property of the file: a second connection sees it.
        XCTAssertTrue(FileManager.default.fileExists(atPath: dbPath + "-wal"))
        // Foreign keys are enforced on the store's connection.
        let orphan = ModelRecord(
            name: "q", format: "h5", kind: "keras-quantized", sha256: SHA256.hash([1]), size: 1,
            parentModelID: RecordID.newModel())
        XCTAssertThrowsError(try store.insertModel(orphan)) { error in
            guard case .conflict = error as? StoreError else { return XCTFail("\(error)") }
        }
    }

    func testReopenKeepsDataAndSchemaVersion() throws {
        var store: SQLiteStore? = try SQLiteStore(dataDirectory: dir)
        let model = try store!.insertModel(
            ModelRecord(
                name: "m", format: "h5", kind: "keras-float",
                sha256: SHA256.hash([1]), size: 10))
        store = nil
        let reopened = try SQLiteStore(dataDirectory: dir)
        XCTAssertEqual(try reopened.currentSchemaVersion(), SQLiteStore.schemaVersion)
        XCTAssertEqual(try reopened.model(id: model.id), model)
    }

    func testNewerSchemaIsRefused() throws {
        _ = try SQLiteStore(dataDirectory: dir)
        try rawSQL(dbPath, "PRAGMA user_version = \(SQLiteStore.schemaVersion + 1)")
        XCTAssertThrowsError(try SQLiteStore(dataDirectory: dir)) { error in
            XCTAssertEqual(
                error as? StoreError,
                .schemaTooNew(found: SQLiteStore.schemaVersion + 1, supported: SQLiteStore.schemaVersion))
        }
    }

    func testModelAndDatasetCRUD() throws {
        try StoreContract.modelAndDatasetCRUD(SQLiteStore(dataDirectory: dir))
    }

    func testKeysetPaginationIsNewestFirstWithoutGapsOrRepeats() throws {
        try StoreContract.keysetPaginationIsNewestFirstWithoutGapsOrRepeats(SQLiteStore(dataDirectory: dir))
    }

    func testJobFiltersAndIdempotentInsert() throws {
        try StoreContract.jobFiltersAndIdempotentInsert(SQLiteStore(dataDirectory: dir))
    }

    func testForeignKeysAreEnforced() throws {
        try StoreContract.foreignKeysAreEnforced(SQLiteStore(dataDirectory: dir))
    }

    func testReopenKeepsData() throws {
        try StoreContract.reopenKeepsData { try SQLiteStore(dataDirectory: dir) }
    }

    func testTransitionsAreConditionalAndLogged() throws {
        try StoreContract.transitionsAreConditionalAndLogged(SQLiteStore(dataDirectory: dir))
    }

    func testConcurrentIdempotentInsertsMakeOneJobPerKey() throws {
        try StoreContract.concurrentIdempotentInsertsMakeOneJobPerKey(SQLiteStore(dataDirectory: dir))
    }
}
