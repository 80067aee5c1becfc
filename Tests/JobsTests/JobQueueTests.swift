// JobQueueTests: the job engine on a real SQLite file — lifecycle, failure problems, idempotency,
// cancellation, graceful shutdown, crash recovery and concurrent submits.
import Foundation
import Jobs
import Persistence
import TestSupport
import XCTest

/// A latch a handler waits on, so tests decide when a job may proceed.
final class Gate: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func open() { semaphore.signal() }
    func wait(_ seconds: Double = 10) -> Bool { semaphore.wait(timeout: .now() + seconds) == .success }
}

final class JobQueueTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try makeTempDirectory(name) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func makeQueue(_ store: Store, workers: Int = 2) -> JobQueue {
        JobQueue(store: store, configuration: .init(workers: workers, progressInterval: 0, logger: { _ in }))
    }

    /// A handler that reports progress until told to stop (by cancel or shutdown).
    private func registerSpinner(_ queue: JobQueue, started: Gate) {
        queue.register(type: "spin") { ctx in
            started.open()
            var i = 0
            while true {
                try ctx.progress(phase: "spinning", done: i, total: 1_000_000)
                i += 1
                usleep(1_000)
            }
        }
    }

    func testSuccessfulJobRecordsProgressResultAndEvents() throws {
        let store = try SQLiteStore(dataDirectory: dir)
        let queue = makeQueue(store)
        queue.register(type: "sum") { ctx in
            let params = try JSONSerialization.jsonObject(with: Data(ctx.paramsJSON.utf8)) as? [String: Any]
            let values = params?["values"] as? [Int] ?? []
            var total = 0
            for (i, v) in values.enumerated() {
                total += v
                try ctx.progress(phase: "adding", done: i + 1, total: values.count)
            }
            ctx.log("added \(values.count) values")
            return #"{"sum": \#(total)}"#
        }
        try queue.start()
        let submitted = try queue.submit(type: "sum", paramsJSON: #"{"values": [1, 2, 3, 4]}"#)
        XCTAssertTrue(submitted.created)
        XCTAssertEqual(submitted.job.state, .queued)
        XCTAssertTrue(RecordID.isValid(submitted.job.id, prefix: RecordID.jobPrefix))
        XCTAssertTrue(queue.waitUntilIdle(timeout: 10))
        let job = try XCTUnwrap(store.job(id: submitted.job.id))
        XCTAssertEqual(job.state, .succeeded)
        XCTAssertEqual(job.resultJSON, #"{"sum":10}"#)
        XCTAssertEqual(job.progress, JobProgress(phase: "adding", done: 4, total: 4))
        XCTAssertEqual(job.attempts, 1)
        let started = try XCTUnwrap(job.startedAt), finished = try XCTUnwrap(job.finishedAt)
        XCTAssertLessThanOrEqual(job.createdAt, started)
        XCTAssertLessThanOrEqual(started, finished)
        let kinds = try store.jobEvents(jobID: job.id, afterID: nil, limit: 100).map(\.kind)
        XCTAssertEqual(kinds, ["submitted", "started", "progress", "log", "succeeded"])
        let metrics = try queue.metrics()
        XCTAssertEqual(metrics.jobsByState[.succeeded], 1)
        XCTAssertEqual(metrics.submitted, 1)
        XCTAssertEqual(metrics.finishedByOutcome["succeeded"], 1)
        XCTAssertEqual(metrics.durations["sum"]?.count, 1)
        XCTAssertTrue(queue.shutdown(timeout: 5))
    }

    func testFailureCarriesAProblemObject() throws {
        struct LayerError: ProblemConvertible {
            var problem: Problem {
                Problem(
                    type: "urn:spikeforge:problem:incompatible-layer", title: "Incompatible layer", status: 422,
                    detail: "layer 'lambda' is a Lambda layer; rebuild the model without it",
                    extensions: ["layer": "lambda"])
            }
        }
        struct PlainError: Error, CustomStringConvertible { var description: String { "disk on fire" } }
        let store = try SQLiteStore(dataDirectory: dir)
        let queue = makeQueue(store)
        queue.register(type: "convert") { _ in throw LayerError() }
        queue.register(type: "plain") { _ in throw PlainError() }
        queue.register(type: "badresult") { _ in "not json" }
        try queue.start()
        let a = try queue.submit(type: "convert").job.id
        let b = try queue.submit(type: "plain").job.id
        let c = try queue.submit(type: "badresult").job.id
        XCTAssertTrue(queue.waitUntilIdle(timeout: 10))
        let ja = try XCTUnwrap(store.job(id: a))
        XCTAssertEqual(ja.state, .failed)
        XCTAssertEqual(ja.problem, LayerError().problem)
        let jb = try XCTUnwrap(store.job(id: b))
        XCTAssertEqual(jb.state, .failed)
        XCTAssertEqual(jb.problem?.status, 500)
        XCTAssertTrue(jb.problem?.detail.contains("disk on fire") ?? false)
        XCTAssertEqual(try store.job(id: c)?.state, .failed)
        XCTAssertNil(ja.resultJSON)
        queue.shutdown()
    }

    func testProgressIsThrottledButTheLastValueIsKept() throws {
        let store = try SQLiteStore(dataDirectory: dir)
        let queue = JobQueue(store: store, configuration: .init(workers: 1, progressInterval: 3600, logger: { _ in }))
        let reported = Gate(), proceed = Gate()
        queue.register(type: "steps") { ctx in
            for i in 1...5 { try ctx.progress(phase: "load", done: i, total: 10) }
            reported.open()
            XCTAssertTrue(proceed.wait())
            try ctx.progress(phase: "load", done: 6, total: 10)
            return "{}"
        }
        try queue.start()
        let id = try queue.submit(type: "steps").job.id
        XCTAssertTrue(reported.wait())
        // Only the first report of the phase reached the database within the interval.
        XCTAssertEqual(try store.job(id: id)?.progress, JobProgress(phase: "load", done: 1, total: 10))
        proceed.open()
        XCTAssertTrue(queue.waitUntilIdle(timeout: 10))
        XCTAssertEqual(try store.job(id: id)?.progress, JobProgress(phase: "load", done: 6, total: 10))
        queue.shutdown()
    }

    func testSubmitValidation() throws {
        let store = try SQLiteStore(dataDirectory: dir)
        let queue = makeQueue(store)
        queue.register(type: "noop") { _ in "{}" }
        XCTAssertThrowsError(try queue.submit(type: "nope")) { error in
            XCTAssertEqual(error as? JobError, .unknownType("nope", known: ["noop"]))
        }
        XCTAssertThrowsError(try queue.submit(type: "noop", paramsJSON: "[1,2]")) { error in
            guard case .invalidParams = error as? JobError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try queue.submit(type: "noop", idempotencyKey: "")) { error in
            XCTAssertEqual(error as? JobError, .invalidIdempotencyKey(""))
        }
        XCTAssertEqual(try store.jobCountsByState().values.reduce(0, +), 0, "rejected submits store nothing")
    }

    func testIdempotencyKeyReturnsTheSameJob() throws {
        let store = try SQLiteStore(dataDirectory: dir)
        let queue = makeQueue(store)
        queue.register(type: "noop") { _ in "{}" }
        try queue.start()
        let first = try queue.submit(type: "noop", paramsJSON: #"{"a": 1, "b": 2}"#, idempotencyKey: "key-1")
        // Same params in another key order and spacing are the same request.
        let second = try queue.submit(type: "noop", paramsJSON: #"{"b":2,"a":1}"#, idempotencyKey: "key-1")
        XCTAssertTrue(first.created)
        XCTAssertFalse(second.created)
        XCTAssertEqual(first.job.id, second.job.id)
        XCTAssertThrowsError(try queue.submit(type: "noop", paramsJSON: #"{"a": 2}"#, idempotencyKey: "key-1")) {
            error in
            XCTAssertEqual(error as? JobError, .idempotencyKeyReused(key: "key-1", existingJobID: first.job.id))
        }
        XCTAssertTrue(queue.waitUntilIdle(timeout: 10))
        XCTAssertEqual(try store.jobCountsByState()[.succeeded], 1)
        // After the job finished, the key still answers with it.
        XCTAssertEqual(
            try queue.submit(type: "noop", paramsJSON: "{\"a\":1,\"b\":2}", idempotencyKey: "key-1").job.state,
            .succeeded)
        queue.shutdown()
    }

    func testCancelQueuedAndRunningJobs() throws {
        let store = try SQLiteStore(dataDirectory: dir)
        let queue = makeQueue(store, workers: 1)
        let started = Gate()
        registerSpinner(queue, started: started)
        try queue.start()
        let running = try queue.submit(type: "spin").job.id
        let waiting = try queue.submit(type: "spin").job.id
        XCTAssertTrue(started.wait())
        let cancelledQueued = try queue.cancel(id: waiting)
        XCTAssertEqual(cancelledQueued.state, .cancelled)
        XCTAssertNotNil(cancelledQueued.finishedAt)
        XCTAssertEqual(try store.job(id: running)?.state, .running)

        let requested = try queue.cancel(id: running)
        XCTAssertTrue(requested.cancelRequested)
        XCTAssertTrue(try eventually { try store.job(id: running)?.state == .cancelled })
        XCTAssertTrue(queue.waitUntilIdle(timeout: 10))
        XCTAssertEqual(try store.job(id: waiting)?.attempts, 0, "a cancelled queued job never starts")
        XCTAssertThrowsError(try queue.cancel(id: running)) { error in
            XCTAssertEqual(error as? JobError, .alreadyFinished(id: running, state: .cancelled))
        }
        XCTAssertThrowsError(try queue.cancel(id: RecordID.newJob())) { error in
            guard case .notFound = error as? JobError else { return XCTFail("\(error)") }
        }
        queue.shutdown()
    }

    func testShutdownReturnsRunningJobsToQueuedAndTheyRunAfterRestart() throws {
        var store: SQLiteStore? = try SQLiteStore(dataDirectory: dir)
        let queue = makeQueue(store!, workers: 2)
        let started = Gate()
        registerSpinner(queue, started: started)
        try queue.start()
        let id = try queue.submit(type: "spin").job.id
        XCTAssertTrue(started.wait())
        XCTAssertTrue(queue.shutdown(timeout: 10))
        XCTAssertThrowsError(try queue.submit(type: "spin")) { XCTAssertEqual($0 as? JobError, .shuttingDown) }
        let requeued = try XCTUnwrap(store!.job(id: id))
        XCTAssertEqual(requeued.state, .queued)
        XCTAssertEqual(requeued.attempts, 1)
        XCTAssertNil(requeued.startedAt)
        XCTAssertTrue(try store!.jobEvents(jobID: id, afterID: nil, limit: 100).contains { $0.kind == "requeued" })

        store = nil
        let reopened = try SQLiteStore(dataDirectory: dir)
        let next = makeQueue(reopened)
        next.register(type: "spin") { ctx in
            try ctx.progress(phase: "resumed", done: 1, total: 1)
            return #"{"attempt": \#(ctx.attempt)}"#
        }
        try next.start()
        XCTAssertTrue(next.waitUntilIdle(timeout: 10))
        let done = try XCTUnwrap(reopened.job(id: id))
        XCTAssertEqual(done.state, .succeeded)
        XCTAssertEqual(done.resultJSON, #"{"attempt":2}"#)
        next.shutdown()
    }

    func testRecoveryAfterCrashRequeuesRunningJobs() throws {
        let dbPath = dir.appendingPathComponent("spikeforge.sqlite").path
        do {
            // A "previous process": jobs accepted and one of them claimed, then no shutdown at all.
            let store = try SQLiteStore(dataDirectory: dir)
            let a = try store.insertJob(JobRecord(type: "work")).job.id
            _ = try store.insertJob(JobRecord(type: "work"))
            XCTAssertNotNil(try store.claimJob(id: a, at: Date()))
        }
        // Another crashed job written directly, as an older process would have left it, plus one that
        // was cancelled while running and one that already crashed the process five times.
        try rawSQL(
            dbPath,
            """
            INSERT INTO jobs (id, type, state, params, attempts, cancel_requested, created_at, started_at, updated_at)
            VALUES ('job_crashedcrashedcrashe', 'work', 'running', '{}', 1, 0, 1, 2, 2),
                   ('job_cancelledcancelledc', 'work', 'running', '{}', 1, 1, 1, 2, 2),
                   ('job_poisonpoisonpoisonp', 'work', 'running', '{}', 5, 0, 1, 2, 2);
            """)
        let store = try SQLiteStore(dataDirectory: dir)
        let queue = makeQueue(store)
        let ran = NSLock()
        var attempts: [String: Int] = [:]
        queue.register(type: "work") { ctx in
            ran.lock(); attempts[ctx.id] = ctx.attempt; ran.unlock()
            return "{}"
        }
        let report = try queue.start()
        XCTAssertEqual(report.requeued.count, 2)
        XCTAssertEqual(report.cancelled, ["job_cancelledcancelledc"])
        XCTAssertEqual(report.failed, ["job_poisonpoisonpoisonp"])
        XCTAssertTrue(queue.waitUntilIdle(timeout: 10))
        XCTAssertEqual(try store.jobCountsByState()[.succeeded], 3)
        XCTAssertEqual(attempts["job_crashedcrashedcrashe"], 2, "a recovered job runs as its next attempt")
        XCTAssertEqual(try store.job(id: "job_poisonpoisonpoisonp")?.problem?.title, "Job interrupted too often")
        XCTAssertEqual(try store.job(id: "job_cancelledcancelledc")?.state, .cancelled)
        queue.shutdown()
    }

    func testManyConcurrentSubmitsAllRunExactlyOnce() throws {
        let store = try SQLiteStore(dataDirectory: dir)
        let queue = makeQueue(store, workers: 4)
        let counter = NSLock()
        var runs: [String: Int] = [:]
        queue.register(type: "count") { ctx in
            try ctx.progress(phase: "one", done: 1, total: 1)
            counter.lock(); runs[ctx.id, default: 0] += 1; counter.unlock()
            return "{}"
        }
        try queue.start()
        let ids = NSLock()
        var submitted: [String] = []
        var failures: [Error] = []
        DispatchQueue.concurrentPerform(iterations: 16) { t in
            for i in 0..<25 {
                do {
                    // Every fifth submit repeats a key another thread may also be using.
                    let key = i % 5 == 0 ? "shared-\(i)" : nil
                    let r = try queue.submit(type: "count", paramsJSON: "{}", idempotencyKey: key)
                    ids.lock(); if r.created { submitted.append(r.job.id) }; ids.unlock()
                } catch {
                    ids.lock(); failures.append(error); ids.unlock()
                }
            }
            _ = t
        }
        XCTAssertTrue(failures.isEmpty, "\(failures)")
        XCTAssertEqual(submitted.count, 16 * 20 + 5)
        XCTAssertTrue(queue.waitUntilIdle(timeout: 60))
        XCTAssertEqual(runs.count, submitted.count)
        XCTAssertTrue(runs.values.allSatisfy { $0 == 1 })
        XCTAssertEqual(try store.jobCountsByState()[.succeeded], submitted.count)
        let metrics = try queue.metrics()
        XCTAssertEqual(metrics.queueDepth, 0)
        XCTAssertEqual(metrics.durations["count"]?.count, submitted.count)
        queue.shutdown()
    }
}
