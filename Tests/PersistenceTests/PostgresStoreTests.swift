// PostgresStoreTests: a real PostgreSQL server (scripts/postgres-test-server.sh), a fresh schema per
// test — migrations (fresh, concurrent, newer schema refused), the Store contract of
// StoreContract.swift, and what replicas sharing one database rely on: SKIP LOCKED claims, leases
// renewed and expired, cancels seen by the lease holder, notifications between stores.
import Foundation
import Persistence
import TestSupport
import XCTest

final class PostgresStoreTests: XCTestCase {
    var url: String!
    override func setUpWithError() throws { url = try PostgresServer.freshSchema(name) }

    func open(replica: String? = nil, lease: Double = 30) throws -> PostgresStore {
        try PostgresStore(url: url, poolSize: 4, leaseSeconds: lease, replicaID: replica)
    }

    func testFreshDatabaseIsMigrated() throws {
        let store = try open()
        XCTAssertEqual(try store.currentSchemaVersion(), PostgresStore.schemaVersion)
        let tables = try PostgresServer.execute(
            url,
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() "
                + "AND table_name IN ('models','datasets','jobs','job_events','schema_migrations')")
        XCTAssertEqual(tables, "5")
    }

    func testReplicasStartingTogetherMigrateOnce() throws {
        let lock = NSLock()
        var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try open() } catch { lock.lock(); errors.append("\(error)"); lock.unlock() }
        }
        XCTAssertEqual(errors, [])
        XCTAssertEqual(
            try PostgresServer.execute(url, "SELECT COUNT(*) FROM schema_migrations"), "\(PostgresStore.schemaVersion)")
    }

    func testNewerSchemaIsRefused() throws {
        _ = try open()
        try PostgresServer.execute(
            url, "INSERT INTO schema_migrations VALUES (\(PostgresStore.schemaVersion + 1), 0)")
        XCTAssertThrowsError(try open()) { error in
            XCTAssertEqual(
                error as? StoreError,
                .schemaTooNew(found: PostgresStore.schemaVersion + 1, supported: PostgresStore.schemaVersion))
        }
    }

    func testUnreachableServerIsUnavailable() throws {
        XCTAssertThrowsError(try PostgresStore(url: "postgres://spikeforge@127.0.0.1:1/none?connect_timeout=2")) {
            guard case .unavailable = $0 as? StoreError else { return XCTFail("\($0)") }
        }
    }

    // MARK: the Store contract

    func testModelAndDatasetCRUD() throws { try StoreContract.modelAndDatasetCRUD(open()) }

    func testKeysetPaginationIsNewestFirstWithoutGapsOrRepeats() throws {
        try StoreContract.keysetPaginationIsNewestFirstWithoutGapsOrRepeats(open())
    }

    func testJobFiltersAndIdempotentInsert() throws { try StoreContract.jobFiltersAndIdempotentInsert(open()) }

    func testForeignKeysAreEnforced() throws { try StoreContract.foreignKeysAreEnforced(open()) }

    func testReopenKeepsData() throws { try StoreContract.reopenKeepsData { try open() } }

    func testTransitionsAreConditionalAndLogged() throws {
        try StoreContract.transitionsAreConditionalAndLogged(open())
    }

    func testConcurrentIdempotentInsertsMakeOneJobPerKey() throws {
        try StoreContract.concurrentIdempotentInsertsMakeOneJobPerKey(open())
    }

    // MARK: replicas

    func testReplicasClaimDifferentJobsOldestFirst() throws {
        let a = try open(replica: "a"), b = try open(replica: "b")
        let base = Date(timeIntervalSince1970: 1_700_000_000)
        let ids = try (0..<40).map { i in
            try a.insertJob(JobRecord(type: "t", createdAt: base.addingTimeInterval(Double(i)))).job.id
        }
        let lock = NSLock()
        var claimed: [String: String] = [:]
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let store = worker % 2 == 0 ? a : b
            while let job = try? store.claimNextJob(at: Date()) {
                lock.lock(); claimed[job.id] = store.replicaID; lock.unlock()
                usleep(2_000)  // a job's work: lets the other replica's workers in
            }
        }
        XCTAssertEqual(Set(claimed.keys), Set(ids), "every job claimed exactly once")
        XCTAssertTrue(claimed.values.contains("a") && claimed.values.contains("b"), "both replicas claimed")
        let first = try XCTUnwrap(a.job(id: ids[0]))
        XCTAssertEqual(first.state, .running)
        XCTAssertEqual(first.attempts, 1)
        XCTAssertNil(try a.claimNextJob(at: Date()))
    }

    func testOnlyTheLeaseHolderFinishesAndExpiredLeasesAreRecovered() throws {
        let a = try open(replica: "a", lease: 1), b = try open(replica: "b", lease: 1)
        let failure: (Int) -> JobFailure = { JobFailure(json: #"{"attempts":\#($0)}"#, message: "interrupted \($0)x") }
        let id = try a.insertJob(JobRecord(type: "t")).job.id
        XCTAssertNotNil(try a.claimNextJob(at: Date()))
        XCTAssertFalse(try b.finishJob(id: id, state: .succeeded, resultJSON: "{}", failure: nil, at: Date()))
        XCTAssertEqual(try b.renewLeases(ids: [id]), [:], "b holds no lease on a's job")
        XCTAssertEqual(try a.renewLeases(ids: [id]), [id: false])
        XCTAssertEqual(
            try b.recoverInterruptedJobs(maxAttempts: 2, at: Date(), failure: failure), RecoveryReport(),
            "a live lease is never recovered")

        usleep(1_300_000)  // a "dies": no heartbeat for longer than the lease
        let report = try b.recoverInterruptedJobs(maxAttempts: 2, at: Date(), failure: failure)
        XCTAssertEqual(report.requeued, [id])
        XCTAssertEqual(try b.claimNextJob(at: Date())?.attempts, 2)
        XCTAssertFalse(
            try a.finishJob(id: id, state: .succeeded, resultJSON: "{}", failure: nil, at: Date()),
            "the replica that lost its lease cannot finish the job")
        XCTAssertEqual(try a.renewLeases(ids: [id]), [:])

        usleep(1_300_000)  // b dies too: the second interrupted run reaches maxAttempts
        let last = try a.recoverInterruptedJobs(maxAttempts: 2, at: Date(), failure: failure)
        XCTAssertEqual(last.failed, [id])
        let failed = try XCTUnwrap(a.job(id: id))
        XCTAssertEqual(failed.state, .failed)
        XCTAssertEqual(failed.errorJSON, #"{"attempts":2}"#)
        let kinds = try a.jobEvents(jobID: id, afterID: nil, limit: 100).map(\.kind)
        XCTAssertEqual(kinds, ["submitted", "started", "recovered", "started", "failed"])
    }

    func testCancelRequestReachesTheLeaseHolder() throws {
        let a = try open(replica: "a"), b = try open(replica: "b")
        let signals = SignalLog()
        a.listen { signals.append($0) }
        defer { a.stopListening() }
        XCTAssertTrue(eventually { signals.contains(.reconnected) }, "the listener connects")
        let id = try b.insertJob(JobRecord(type: "t")).job.id
        XCTAssertTrue(eventually { signals.contains(.jobQueued) }, "a submit on b wakes a")
        XCTAssertEqual(try a.claimNextJob(at: Date())?.id, id)
        XCTAssertTrue(try b.requestCancel(id: id, at: Date()))
        XCTAssertTrue(eventually { signals.contains(.cancelRequested(jobID: id)) })
        XCTAssertEqual(try a.renewLeases(ids: [id]), [id: true], "the heartbeat also carries the cancel")
    }
}

final class SignalLog: @unchecked Sendable {
    private let lock = NSLock()
    private var signals: [QueueSignal] = []
    func append(_ signal: QueueSignal) { lock.lock(); signals.append(signal); lock.unlock() }
    func contains(_ signal: QueueSignal) -> Bool {
        lock.lock(); defer { lock.unlock() }; return signals.contains(signal)
    }
}
