// StoreContract: the Store semantics every backend must have — CRUD with foreign keys, keyset
// pagination, job filters, idempotency keys, conditional transitions and events. SQLiteStoreTests
// and PostgresStoreTests run each of these against their own database.
import Foundation
import Persistence
import TestSupport
import XCTest

enum StoreContract {
    static func modelAndDatasetCRUD(_ store: Store) throws {
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

    static func keysetPaginationIsNewestFirstWithoutGapsOrRepeats(_ store: Store) throws {
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

    static func jobFiltersAndIdempotentInsert(_ store: Store) throws {
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

    static func foreignKeysAreEnforced(_ store: Store) throws {
        let orphan = ModelRecord(
            name: "q", format: "h5", kind: "keras-quantized", sha256: SHA256.hash([1]), size: 1,
            parentModelID: RecordID.newModel())
        XCTAssertThrowsError(try store.insertModel(orphan)) { error in
            guard case .conflict = error as? StoreError else { return XCTFail("\(error)") }
        }
    }

    /// `open` opens the same database again (a restart).
    static func reopenKeepsData(_ open: () throws -> Store) throws {
        var store: Store? = try open()
        let model = try store!.insertModel(
            ModelRecord(name: "m", format: "h5", kind: "keras-float", sha256: SHA256.hash([1]), size: 10))
        store = nil
        XCTAssertEqual(try open().model(id: model.id), model)
    }

    static func transitionsAreConditionalAndLogged(_ store: Store) throws {
        let queued = try store.insertJob(JobRecord(type: "convert")).job
        XCTAssertFalse(try store.requestCancel(id: queued.id, at: Date()), "only a running job takes a cancel request")
        XCTAssertFalse(try store.requeueJob(id: queued.id, at: Date()), "only a running job is requeued")
        XCTAssertTrue(try store.cancelQueuedJob(id: queued.id, at: Date()))
        XCTAssertFalse(try store.cancelQueuedJob(id: queued.id, at: Date()))
        XCTAssertNil(try store.claimJob(id: queued.id, at: Date()), "a cancelled job is never claimed")
        XCTAssertEqual(try store.job(id: queued.id)?.state, .cancelled)

        let job = try store.insertJob(JobRecord(type: "quantize")).job
        XCTAssertEqual(try store.queuedJobIDs(), [job.id])
        XCTAssertEqual(try store.claimJob(id: job.id, at: Date())?.attempts, 1)
        try store.updateJobProgress(id: job.id, JobProgress(phase: "calibrating", done: 3, total: 8), at: Date())
        XCTAssertTrue(try store.requestCancel(id: job.id, at: Date()))
        XCTAssertTrue(try store.requeueJob(id: job.id, at: Date()))
        let requeued = try XCTUnwrap(store.job(id: job.id))
        XCTAssertEqual(requeued.state, .queued)
        XCTAssertEqual(requeued.progress, JobProgress(phase: "calibrating", done: 3, total: 8))
        XCTAssertEqual(try store.claimJob(id: job.id, at: Date())?.attempts, 2)
        XCTAssertTrue(
            try store.finishJob(id: job.id, state: .succeeded, resultJSON: #"{"ok":true}"#, failure: nil, at: Date()))
        try store.appendJobEvent(jobID: job.id, kind: "log", message: "after the end", at: Date())
        let events = try store.jobEvents(jobID: job.id, afterID: nil, limit: 100)
        XCTAssertEqual(
            events.map(\.kind),
            ["submitted", "started", "cancel-requested", "requeued", "started", "succeeded", "log"])
        XCTAssertEqual(events.map(\.id), events.map(\.id).sorted())
        XCTAssertEqual(try store.jobEvents(jobID: job.id, afterID: events[4].id, limit: 1).map(\.kind), ["succeeded"])
    }

    /// Many threads submit with the same idempotency keys at once: each key makes exactly one job.
    static func concurrentIdempotentInsertsMakeOneJobPerKey(_ store: Store) throws {
        let keys = (0..<10).map { "key-\($0)" }
        let lock = NSLock()
        var inserted: [String: [String]] = [:]
        var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 80) { i in
            let key = keys[i % keys.count]
            do {
                let (job, created) = try store.insertJob(JobRecord(type: "infer", idempotencyKey: key))
                lock.lock()
                if created { inserted[key, default: []].append(job.id) }
                lock.unlock()
                XCTAssertEqual(try store.job(idempotencyKey: key)?.id, job.id)
            } catch {
                lock.lock(); failures.append("\(error)"); lock.unlock()
            }
        }
        XCTAssertEqual(failures, [])
        XCTAssertEqual(inserted.count, keys.count)
        XCTAssertTrue(inserted.values.allSatisfy { $0.count == 1 }, "\(inserted)")
        XCTAssertEqual(try store.jobCountsByState()[.queued], keys.count)
    }
}
