// SharedJobQueueTests: JobQueues in one process, each on its own PostgresStore (its own replica
// id, pool and LISTEN connection) over one schema of the test PostgreSQL server — they share the
// work, a cancel given to one stops the job running on the other, and a replica that loses a lease
// stops its run without recording anything.
import Foundation
import Jobs
import Persistence
import TestSupport
import XCTest

final class SharedJobQueueTests: XCTestCase {
    var url: String!
    var queues: [JobQueue] = []
    override func setUpWithError() throws { url = try PostgresServer.freshSchema(name) }
    override func tearDown() { for queue in queues { queue.shutdown(timeout: 5) } }

    /// A replica: its store, and a queue whose handlers note the replica that ran each job.
    func replica(_ name: String, lease: Double = 30, ran: Collected<(String, String)>) throws -> JobQueue {
        let store = try PostgresStore(url: url, poolSize: 4, leaseSeconds: lease, replicaID: name)
        let queue = JobQueue(store: store, configuration: .init(workers: 2, progressInterval: 0, logger: { _ in }))
        queue.register(type: "noop") { ctx in
            ran.append((ctx.id, name))
            usleep(5_000)  // some work, so the other replica's workers get a turn
            try ctx.progress(phase: "run", done: 1, total: 1)
            return "{}"
        }
        queue.register(type: "spin") { ctx in
            ran.append((ctx.id, name))
            while true {
                try ctx.progress(phase: "spinning", done: 0, total: 1)
                usleep(2_000)
            }
        }
        queues.append(queue)
        return queue
    }

    func testQueuesOnOneDatabaseShareTheWorkAndRunEachJobOnce() throws {
        let ran = Collected<(String, String)>()
        let a = try replica("a", ran: ran), b = try replica("b", ran: ran)
        try a.start()
        try b.start()
        let ids = try (0..<40).map { try ($0 % 2 == 0 ? a : b).submit(type: "noop").job.id }
        XCTAssertTrue(eventually(timeout: 30) { (try? a.store.jobCountsByState()[.succeeded]) == ids.count })
        let runs = ran.items
        XCTAssertEqual(runs.map(\.0).sorted(), ids.sorted(), "every job ran exactly once")
        XCTAssertEqual(Set(runs.map(\.1)), ["a", "b"], "both replicas ran jobs")
        let job = try XCTUnwrap(b.store.job(id: ids[0]))
        XCTAssertEqual(job.attempts, 1)
        XCTAssertEqual(
            try a.store.jobEvents(jobID: job.id, afterID: nil, limit: 10).map(\.kind),
            ["submitted", "started", "progress", "succeeded"])
    }

    func testCancelGivenToOneQueueStopsTheJobOnTheOther() throws {
        let ran = Collected<(String, String)>()
        let a = try replica("a", ran: ran), b = try replica("b", ran: ran)
        try a.start()
        let id = try a.submit(type: "spin").job.id
        XCTAssertTrue(eventually { ran.items.count == 1 })
        try b.start()
        XCTAssertEqual(try b.cancel(id: id).cancelRequested, true)
        XCTAssertTrue(eventually { (try? b.store.job(id: id)?.state) == .cancelled }, "a stopped the job")
        XCTAssertEqual(ran.items.map(\.1), ["a"])
    }

    func testLostLeaseStopsTheRunWithoutRecordingIt() throws {
        let ran = Collected<(String, String)>()
        let a = try replica("a", lease: 1, ran: ran)
        try a.start()
        let id = try a.submit(type: "spin").job.id
        XCTAssertTrue(eventually { ran.items.count == 1 })
        // Another replica took the job over (as after a partition longer than the lease).
        try PostgresServer.execute(
            url, "UPDATE jobs SET lease_owner = 'b', lease_expires_at = lease_expires_at + 600000 WHERE id = '\(id)'")
        XCTAssertTrue(a.waitUntilIdle(timeout: 10), "the heartbeat noticed and the run stopped")
        let job = try XCTUnwrap(a.store.job(id: id))
        XCTAssertEqual(job.state, .running, "a recorded nothing: the job is b's")
        XCTAssertEqual(try PostgresServer.execute(url, "SELECT lease_owner FROM jobs WHERE id = '\(id)'"), "b")
    }
}

/// Values appended from many threads.
final class Collected<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [T] = []
    func append(_ value: T) { lock.lock(); values.append(value); lock.unlock() }
    var items: [T] { lock.lock(); defer { lock.unlock() }; return values }
}
