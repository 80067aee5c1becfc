// SQLiteStoreTests: a real SQLite file in a temp directory — migrations on fresh and reopened
// databases, CRUD, foreign keys, keyset pagination and idempotency keys.
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
        let store = try SQLiteStore(dataDirectory: dir)
        let parent = try store.insertModel(
            ModelRecord(
                name: "float", format: "h5", kind: "keras-float", sha256: SHA256.hash([1]),
                size: 100, descriptionJSON: #"{"layers":3,"input":[28,28,1]}"#))
        let job = try store.insertJob(JobRecord(type: "quantize")).job
        let child = try store.insertModel(
            ModelRecord(
                name: "quantized", format: "h5", kind: "keras-quantized",
                sha256: SHA256.hash([2]), size: 90, parentModelID: parent.id,
                sourceJobID: job.id))
        XCTAssertTrue(RecordID.isValid(child.id, prefix: RecordID.modelPrefix))
        XCTAssertEqual(try store.model(id: child.id), child)
        XCTAssertNil(try store.model(id: RecordID.newModel()))
        XCTAssertThrowsError(
            try store.insertModel(
                ModelRecord(
                    name: "bad", format: "h5", kind: "x", sha256: SHA256.hash([3]),
                    size: 1, descriptionJSON: "not json")))
        XCTAssertThrowsError(try store.insertModel(child)) { error in
            guard case .conflict = error as? StoreError else { return XCTFail("\(error)") }
        }

        XCTAssertTrue(try store.isBlobReferenced(sha256: SHA256.hash([1])))
        XCTAssertTrue(try store.deleteModel(id: parent.id))
        XCTAssertFalse(try store.deleteModel(id: parent.id))
        XCTAssertNil(try store.model(id: child.id)?.parentModelID)
        XCTAssertFalse(try store.isBlobReferenced(sha256: SHA256.hash([1])))

        let ds = try store.insertDataset(
            DatasetRecord(
                name: "calib.npy", dtype: "<f4", shape: [64, 28, 28, 1],
                sha256: SHA256.hash([4]), size: 200_832))
        XCTAssertTrue(RecordID.isValid(ds.id, prefix: RecordID.datasetPrefix))
        XCTAssertEqual(try store.dataset(id: ds.id), ds)
        XCTAssertTrue(try store.isBlobReferenced(sha256: SHA256.hash([4])))
        XCTAssertTrue(try store.deleteDataset(id: ds.id))
        XCTAssertNil(try store.dataset(id: ds.id))
    }

    func testKeysetPaginationIsNewestFirstWithoutGapsOrRepeats() throws {
        let store = try SQLiteStore(dataDirectory: dir)
        let base = Date(timeIntervalSince1970: 1_700_000_000)
        var inserted: [DatasetRecord] = []
        // Several records share a timestamp so the id tie-break is exercised.
        for i in 0..<25 {
            inserted.append(
                try store.insertDataset(
                    DatasetRecord(
                        name: "d\(i)", dtype: "|u1", shape: [i],
                        sha256: SHA256.hash([UInt8(i)]), size: Int64(i),
                        createdAt: base.addingTimeInterval(Double(i / 3)))))
        }
        var seen: [DatasetRecord] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try store.listDatasets(PageRequest(limit: 10, cursor: cursor))
            seen += page.items
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil
        XCTAssertEqual(pages, 3)
        XCTAssertEqual(seen.count, 25)
        XCTAssertEqual(Set(seen.map(\.id)).count, 25)
        let expected = inserted.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        XCTAssertEqual(seen, expected)
        XCTAssertThrowsError(try store.listDatasets(PageRequest(cursor: "garbage"))) { error in
            XCTAssertEqual(error as? StoreError, .invalidCursor("garbage"))
        }
        XCTAssertEqual(try store.listModels(PageRequest()).items, [])
        XCTAssertNil(try store.listModels(PageRequest()).nextCursor)
    }

    func testJobFiltersAndIdempotentInsert() throws {
        let store = try SQLiteStore(dataDirectory: dir)
        let a = try store.insertJob(JobRecord(type: "convert", paramsJSON: #"{"model":"x"}"#, idempotencyKey: "k1"))
        XCTAssertTrue(a.inserted)
        let again = try store.insertJob(JobRecord(type: "convert", paramsJSON: #"{"model":"x"}"#, idempotencyKey: "k1"))
        XCTAssertFalse(again.inserted)
        XCTAssertEqual(again.job.id, a.job.id)
        _ = try store.insertJob(JobRecord(type: "quantize"))
        _ = try store.insertJob(JobRecord(type: "quantize"))
        XCTAssertNotNil(try store.claimJob(id: a.job.id, at: Date()))
        XCTAssertNil(try store.claimJob(id: a.job.id, at: Date()), "a running job cannot be claimed twice")

        XCTAssertEqual(try store.listJobs(JobFilter(type: "quantize"), PageRequest()).items.count, 2)
        XCTAssertEqual(try store.listJobs(JobFilter(state: .running), PageRequest()).items.map(\.id), [a.job.id])
        XCTAssertEqual(try store.listJobs(JobFilter(state: .queued, type: "convert"), PageRequest()).items.count, 0)
        let counts = try store.jobCountsByState()
        XCTAssertEqual(counts[.queued], 2)
        XCTAssertEqual(counts[.running], 1)
        XCTAssertEqual(counts[.failed], 0)

        let failure = JobFailure(
            json: #"{"detail":"Lambda layers are rejected","layer":"lambda_1","title":"Bad layer"}"#,
            message: "Bad layer: Lambda layers are rejected")
        XCTAssertTrue(try store.finishJob(id: a.job.id, state: .failed, resultJSON: nil, failure: failure, at: Date()))
        XCTAssertFalse(try store.finishJob(id: a.job.id, state: .succeeded, resultJSON: "{}", failure: nil, at: Date()))
        let failed = try XCTUnwrap(store.job(id: a.job.id))
        XCTAssertEqual(failed.state, .failed)
        XCTAssertEqual(failed.errorJSON, failure.json)
        XCTAssertEqual(failed.attempts, 1)
        XCTAssertNotNil(failed.finishedAt)
        XCTAssertEqual(
            try store.jobEvents(jobID: a.job.id, afterID: nil, limit: 100).map(\.kind),
            ["submitted", "started", "failed"])
    }
}
