// JobQueue: the durable job engine — a bounded pool of Dispatch workers running registered handlers
// against jobs persisted in a Store. The store is the source of truth (a job row is committed before
// submit returns; every transition is a conditional update), the in-memory FIFO only says what this
// process should run next, so a crash loses nothing: start() recovers whatever the store holds.
import Dispatch
import Foundation

/// A job kind's work. Returns the result as JSON text. Calls `context.progress` often enough to be
/// cancellable; throws a `Problem` (or `ProblemConvertible` error) to fail with a precise message.
public typealias JobHandler = (JobContext) throws -> String

/// Thrown by `JobContext.progress` / `checkpoint` when the job must stop. Handlers let it propagate.
public struct JobInterrupted: Error, CustomStringConvertible, Equatable {
    public enum Reason: String, Sendable { case cancelled, shutdown }
    public var reason: Reason
    public var description: String {
        reason == .cancelled ? "job: cancelled by request" : "job: stopped because the server is shutting down; it will run again"
    }
}

public enum JobError: Error, CustomStringConvertible, Equatable {
    /// No handler is registered for this job type (HTTP 422 / 400).
    case unknownType(String, known: [String])
    /// Params are not a JSON object.
    case invalidParams(String)
    /// Idempotency keys are 1–255 printable ASCII characters.
    case invalidIdempotencyKey(String)
    /// The key was used before for a job with a different type or params (HTTP 422, per the IETF draft).
    case idempotencyKeyReused(key: String, existingJobID: String)
    case notFound(String)
    /// Cancel of a job that already ended (HTTP 409).
    case alreadyFinished(id: String, state: JobState)
    /// The queue is shutting down and takes no new jobs (HTTP 503).
    case shuttingDown

    public var description: String {
        switch self {
        case .unknownType(let t, let known):
            return "jobs: unknown job type '\(t)'; known types: \(known.sorted().joined(separator: ", "))"
        case .invalidParams(let why):
            return "jobs: invalid params: \(why)"
        case .invalidIdempotencyKey(let k):
            return "jobs: invalid Idempotency-Key '\(k.prefix(64))': use 1-255 printable ASCII characters"
        case .idempotencyKeyReused(let key, let id):
            return "jobs: Idempotency-Key '\(key)' was already used for job \(id) with a different type or params; use a new key"
        case .notFound(let id):
            return "jobs: no job \(id)"
        case .alreadyFinished(let id, let state):
            return "jobs: job \(id) already \(state.rawValue); only queued or running jobs can be cancelled"
        case .shuttingDown:
            return "jobs: the server is shutting down and accepts no new jobs; retry against another instance or after restart"
        }
    }
}

/// What a handler sees of its job. Thread-safe: a handler may report from threads it spawns.
public final class JobContext: @unchecked Sendable {
    public let job: JobRecord
    public var id: String { job.id }
    public var type: String { job.type }
    public var paramsJSON: String { job.paramsJSON }
    /// 1 for the first run, more after a crash or a shutdown interrupted earlier runs.
    public var attempt: Int { job.attempts }

    private let control: RunControl
    private unowned let queue: JobQueue
    /// Handlers may report from several threads of their own.
    private let lock = NSLock()
    private var lastReported: JobProgress?
    private var lastPersisted: JobProgress?
    private var lastPersistTime: UInt64 = 0

    init(job: JobRecord, control: RunControl, queue: JobQueue) {
        self.job = job; self.control = control; self.queue = queue
    }

    /// True once a cancel or shutdown asked this job to stop.
    public var isInterrupted: Bool { control.reason != nil }

    /// Throws `JobInterrupted` when the job was cancelled or the pool is shutting down.
    public func checkpoint() throws {
        if let reason = control.reason { throw JobInterrupted(reason: reason) }
    }

    /// Reports progress (persisted at most every `progressInterval`, and always on a phase change or
    /// completion of a phase) and is the job's cancellation point.
    public func progress(phase: String, done: Int, total: Int) throws {
        let p = JobProgress(phase: phase, done: done, total: total)
        lock.lock()
        let now = DispatchTime.now().uptimeNanoseconds
        lastReported = p
        let phaseChanged = lastPersisted?.phase != phase
        if phaseChanged || done >= total || now &- lastPersistTime >= queue.progressIntervalNanos {
            persist(p, now: now)
        }
        lock.unlock()
        if phaseChanged { log("phase \(phase)", kind: "progress") }
        try checkpoint()
    }

    /// Appends a line to the job's event log.
    public func log(_ message: String, kind: String = "log") {
        queue.record { try $0.appendJobEvent(jobID: job.id, kind: kind, message: message, at: Date()) }
    }

    /// Writes the latest reported progress if throttling held it back.
    func flush() {
        lock.lock(); defer { lock.unlock() }
        if let p = lastReported, p != lastPersisted { persist(p, now: DispatchTime.now().uptimeNanoseconds) }
    }

    private func persist(_ p: JobProgress, now: UInt64) {
        lastPersisted = p
        lastPersistTime = now
        queue.record { try $0.updateJobProgress(id: job.id, p, at: Date()) }
    }
}

/// The stop signal of one running job; the first reason wins (a cancel is not turned into a requeue).
final class RunControl: @unchecked Sendable {
    private let lock = NSLock()
    private var _reason: JobInterrupted.Reason?
    var reason: JobInterrupted.Reason? { lock.lock(); defer { lock.unlock() }; return _reason }
    func signal(_ r: JobInterrupted.Reason) { lock.lock(); if _reason == nil { _reason = r }; lock.unlock() }
}

/// Job durations in seconds, Prometheus-histogram shaped (cumulative buckets by upper bound).
public struct DurationHistogram: Equatable, Sendable {
    public static let bounds: [Double] = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600]
    /// `cumulativeCounts[i]` = runs that took ≤ `bounds[i]` seconds; `count` includes +Inf.
    public var cumulativeCounts: [Int] = Array(repeating: 0, count: DurationHistogram.bounds.count)
    public var count = 0
    public var sum = 0.0

    mutating func observe(_ seconds: Double) {
        for (i, bound) in Self.bounds.enumerated() where seconds <= bound { cumulativeCounts[i] += 1 }
        count += 1
        sum += seconds
    }
}

public struct JobMetrics: Sendable {
    /// Every job in the store, by state.
    public var jobsByState: [JobState: Int]
    /// Jobs waiting for a worker in this process.
    public var queueDepth: Int
    /// Jobs running in this process.
    public var running: Int
    public var workers: Int
    /// New jobs accepted by this process (repeats of an idempotency key excluded).
    public var submitted: Int
    /// Runs finished in this process, by final outcome ("succeeded", "failed", "cancelled", "requeued").
    public var finishedByOutcome: [String: Int]
    /// Run durations by job type.
    public var durations: [String: DurationHistogram]
}

public struct SubmitResult: Sendable {
    public var job: JobRecord
    /// False when an earlier job with the same idempotency key was returned.
    public var created: Bool
}

public final class JobQueue: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Jobs running at once (the `workers` setting).
        public var workers: Int
        /// Minimum time between persisted progress updates of one job.
        public var progressInterval: TimeInterval
        /// A job left running by this many crashed runs is failed instead of retried.
        public var maxAttempts: Int
        public var logger: @Sendable (String) -> Void

        public init(workers: Int = 2, progressInterval: TimeInterval = 0.25, maxAttempts: Int = 5,
                    logger: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("spikeforge: " + $0 + "\n").utf8)) }) {
            self.workers = max(1, workers)
            self.progressInterval = max(0, progressInterval)
            self.maxAttempts = max(1, maxAttempts)
            self.logger = logger
        }
    }

    /// Prefix of the `type` URI of problems this engine creates itself.
    public static let problemTypeBase = "urn:spikeforge:problem:"

    public let store: Store
    public let configuration: Configuration
    let progressIntervalNanos: UInt64

    private let lock = NSLock()
    private var handlers: [String: JobHandler] = [:]
    private var pending: [String] = []
    private var pendingSet: Set<String> = []
    private var running: [String: RunControl] = [:]
    private var activeWorkers = 0
    private var started = false
    private var accepting = true
    private var stopping = false
    private var submitted = 0
    private var finishedByOutcome: [String: Int] = [:]
    private var durations: [String: DurationHistogram] = [:]
    private let workQueue = DispatchQueue(label: "spikeforge.jobs", qos: .utility, attributes: .concurrent)
    private let workers = DispatchGroup()

    public init(store: Store, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
        progressIntervalNanos = UInt64(configuration.progressInterval * 1e9)
    }

    /// Registers the handler of a job type (before `start`; a later registration replaces it).
    public func register(type: String, handler: @escaping JobHandler) {
        lock.lock(); defer { lock.unlock() }
        handlers[type] = handler
    }

    public var registeredTypes: [String] {
        lock.lock(); defer { lock.unlock() }
        return handlers.keys.sorted()
    }

    /// True between `start` and `shutdown` (for readiness probes).
    public var isAccepting: Bool {
        lock.lock(); defer { lock.unlock() }
        return started && accepting
    }

    /// Recovers jobs a previous process left running, then starts running every queued job.
    @discardableResult
    public func start() throws -> RecoveryReport {
        let report = try store.recoverInterruptedJobs(maxAttempts: configuration.maxAttempts, at: Date())
        for id in report.requeued { configuration.logger("job \(id) was left running by a previous process; queued again") }
        for id in report.failed { configuration.logger("job \(id) was interrupted \(configuration.maxAttempts) times; marked failed") }
        let queued = try store.queuedJobIDs()
        lock.lock(); defer { lock.unlock() }
        guard accepting, !started else { return report }
        started = true
        for id in queued { enqueueLocked(id) }
        spawnWorkersLocked()
        return report
    }

    /// Persists a new queued job and schedules it; a repeated idempotency key returns the first job.
    public func submit(type: String, paramsJSON: String = "{}", idempotencyKey: String? = nil) throws -> SubmitResult {
        lock.lock()
        let known = handlers[type] != nil
        let isAccepting = accepting
        let types = Array(handlers.keys)
        lock.unlock()
        guard isAccepting else { throw JobError.shuttingDown }
        if let key = idempotencyKey {
            guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
                throw JobError.invalidIdempotencyKey(key)
            }
        }
        guard let params = JSONText.canonical(paramsJSON, requireObject: true) else {
            throw JobError.invalidParams("params must be a JSON object, got '\(paramsJSON.prefix(80))'")
        }
        if let key = idempotencyKey, let existing = try store.job(idempotencyKey: key) {
            return try repeated(existing, type: type, params: params, key: key)
        }
        guard known else { throw JobError.unknownType(type, known: types) }
        let (job, inserted) = try store.insertJob(JobRecord(type: type, paramsJSON: params, idempotencyKey: idempotencyKey))
        if !inserted, let key = idempotencyKey { return try repeated(job, type: type, params: params, key: key) }
        lock.lock(); defer { lock.unlock() }
        submitted += 1
        if started && !stopping {
            enqueueLocked(job.id)
            spawnWorkersLocked()
        }
        return SubmitResult(job: job, created: true)
    }

    private func repeated(_ job: JobRecord, type: String, params: String, key: String) throws -> SubmitResult {
        guard job.type == type, job.paramsJSON == params else {
            throw JobError.idempotencyKeyReused(key: key, existingJobID: job.id)
        }
        return SubmitResult(job: job, created: false)
    }

    /// Cancels a job: a queued one at once, a running one at its next progress point.
    /// Returns the job as stored after the request.
    @discardableResult
    public func cancel(id: String) throws -> JobRecord {
        // Two rounds cover a job that starts between reading it and cancelling it.
        for _ in 0..<2 {
            guard let job = try store.job(id: id) else { throw JobError.notFound(id) }
            switch job.state {
            case .queued:
                if try store.cancelQueuedJob(id: id, at: Date()) {
                    lock.lock()
                    if pendingSet.remove(id) != nil { pending.removeAll { $0 == id } }
                    lock.unlock()
                    return try store.job(id: id) ?? job
                }
            case .running:
                if try store.requestCancel(id: id, at: Date()) {
                    lock.lock()
                    running[id]?.signal(.cancelled)
                    lock.unlock()
                    return try store.job(id: id) ?? job
                }
            case .succeeded, .failed, .cancelled:
                throw JobError.alreadyFinished(id: id, state: job.state)
            }
        }
        guard let job = try store.job(id: id) else { throw JobError.notFound(id) }
        if job.state.isTerminal { throw JobError.alreadyFinished(id: id, state: job.state) }
        return job
    }

    /// Stops taking jobs, asks running jobs to stop at their next progress point (they return to
    /// `queued`), and waits up to `timeout` seconds for the workers. Returns true when every worker
    /// stopped in time; a job still running after that stays `running` in the store and is recovered
    /// at the next start.
    @discardableResult
    public func shutdown(timeout: TimeInterval = 30) -> Bool {
        lock.lock()
        accepting = false
        stopping = true
        pending.removeAll()
        pendingSet.removeAll()
        for control in running.values { control.signal(.shutdown) }
        lock.unlock()
        return workers.wait(timeout: .now() + timeout) == .success
    }

    /// Blocks until no job is waiting or running in this process (CLI runs, tests). False on timeout.
    public func waitUntilIdle(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            let idle = pending.isEmpty && running.isEmpty && activeWorkers == 0
            lock.unlock()
            if idle { return true }
            usleep(5_000)
        }
        return false
    }

    /// Counters for /metrics.
    public func metrics() throws -> JobMetrics {
        let byState = try store.jobCountsByState()
        lock.lock(); defer { lock.unlock() }
        return JobMetrics(jobsByState: byState, queueDepth: pending.count, running: running.count,
                          workers: configuration.workers, submitted: submitted,
                          finishedByOutcome: finishedByOutcome, durations: durations)
    }

    // MARK: workers

    private func enqueueLocked(_ id: String) {
        guard !pendingSet.contains(id), running[id] == nil else { return }
        pending.append(id)
        pendingSet.insert(id)
    }

    private func spawnWorkersLocked() {
        let wanted = min(configuration.workers - activeWorkers, pending.count)
        guard wanted > 0 else { return }
        for _ in 0..<wanted {
            activeWorkers += 1
            workers.enter()
            workQueue.async { [self] in
                while let next = takeNext() { execute(next.id, next.control) }
                workers.leave()
            }
        }
    }

    /// Pops the next job and registers its stop signal before it is claimed, so a cancel that
    /// lands between claim and run is never missed. Returns nil (and retires the worker) when idle.
    private func takeNext() -> (id: String, control: RunControl)? {
        lock.lock(); defer { lock.unlock() }
        guard !stopping, !pending.isEmpty else {
            activeWorkers -= 1
            return nil
        }
        let id = pending.removeFirst()
        pendingSet.remove(id)
        let control = RunControl()
        running[id] = control
        return (id, control)
    }

    private func execute(_ id: String, _ control: RunControl) {
        defer { lock.lock(); running.removeValue(forKey: id); lock.unlock() }
        let job: JobRecord
        do {
            guard let claimed = try store.claimJob(id: id, at: Date()) else { return }
            job = claimed
        } catch {
            configuration.logger("job \(id): could not start: \(error)")
            return
        }
        lock.lock()
        let handler = handlers[job.type]
        lock.unlock()
        let startTime = DispatchTime.now().uptimeNanoseconds
        let context = JobContext(job: job, control: control, queue: self)
        let outcome: Result<String, Error>
        if let handler {
            outcome = Result { try handler(context) }
        } else {
            outcome = .failure(Problem(type: Self.problemTypeBase + "unknown-type", title: "Unknown job type", status: 422,
                                       detail: "no handler is registered for job type '\(job.type)' in this build"))
        }
        context.flush()
        let finalState: String
        switch outcome {
        case .success(let text):
            if let result = JSONText.canonical(text, requireObject: false) {
                finalState = finish(id, .succeeded, result: result, error: nil)
            } else {
                let problem = Problem(type: Self.problemTypeBase + "invalid-result", title: "Job produced an invalid result",
                                      status: 500, detail: "the \(job.type) handler returned text that is not JSON: \(text.prefix(120))")
                finalState = finish(id, .failed, result: nil, error: problem)
            }
        case .failure(let error as JobInterrupted) where error.reason == .cancelled:
            finalState = finish(id, .cancelled, result: nil, error: nil)
        case .failure(let error as JobInterrupted) where error.reason == .shutdown:
            record { _ = try $0.requeueJob(id: id, at: Date()) }
            finalState = "requeued"
        case .failure(let error):
            finalState = finish(id, .failed, result: nil, error: Self.problem(for: error, jobType: job.type))
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - startTime) / 1e9
        lock.lock()
        finishedByOutcome[finalState, default: 0] += 1
        durations[job.type, default: DurationHistogram()].observe(seconds)
        lock.unlock()
    }

    private func finish(_ id: String, _ state: JobState, result: String?, error: Problem?) -> String {
        record { _ = try $0.finishJob(id: id, state: state, resultJSON: result, error: error, at: Date()) }
        return state.rawValue
    }

    /// The problem object a failed job carries for `error`.
    public static func problem(for error: Error, jobType: String) -> Problem {
        if let problem = error as? Problem { return problem }
        if let convertible = error as? ProblemConvertible { return convertible.problem }
        return Problem(type: problemTypeBase + "job-failed", title: "Job failed", status: 500,
                       detail: "the \(jobType) job failed: \(error)")
    }

    /// Runs a store write whose failure must not kill a worker; the job row then stays as it was
    /// (at worst `running`, which the next start recovers).
    func record(_ write: (Store) throws -> Void) {
        do { try write(store) } catch { configuration.logger("job store write failed: \(error)") }
    }
}
