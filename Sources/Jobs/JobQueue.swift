// Jobs: JobQueue, the durable job engine — a bounded pool of Dispatch workers running registered handlers
// against jobs persisted in a Store. The store is the source of truth (a job row is committed before
// submit returns; every transition is a conditional update), the in-memory FIFO only says what this
// process should run next, so a crash loses nothing: start() recovers whatever the store holds.
// On a store shared by several replicas (SharedJobStore) the workers claim from the store instead:
// JobQueue+Shared.swift.
import Dispatch
import Foundation
import Persistence

/// A job kind's work. Returns the result as JSON text. Calls `context.progress` often enough to be
/// cancellable; throws a `Problem` (or `ProblemConvertible` error) to fail with a precise message.
public typealias JobHandler = (JobContext) throws -> String

public final class JobQueue: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Jobs running at once (the `workers` setting).
        public var workers: Int
        /// Minimum time between persisted progress updates of one job.
        public var progressInterval: TimeInterval
        /// A job left running by this many crashed runs is failed instead of retried.
        public var maxAttempts: Int
        public var logger: @Sendable (String) -> Void

        public init(
            workers: Int = 2, progressInterval: TimeInterval = 0.25, maxAttempts: Int = 5,
            logger: @escaping @Sendable (String) -> Void = {
                FileHandle.standardError.write(Data(("spikeforge: " + $0 + "\n").utf8))
            }
        ) {
            self.workers = max(1, workers)
            self.progressInterval = max(0, progressInterval)
            self.maxAttempts = max(1, maxAttempts)
            self.logger = logger
        }
    }

    public let store: Store
    public let configuration: Configuration
    let progressIntervalNanos: UInt64

    /// Set when several replicas share the store: workers claim jobs from it under leases.
    let shared: SharedJobStore?
    /// Signalled when a job may be waiting in a shared store (local submit, NOTIFY, recovery).
    let wakeup = NSCondition()
    var wakeups = 0

    let lock = NSLock()
    private var handlers: [String: JobHandler] = [:]
    private var pending: [String] = []
    private var pendingSet: Set<String> = []
    var running: [String: RunControl] = [:]
    var activeWorkers = 0
    private var started = false
    private var accepting = true
    var stopping = false
    private var submitted = 0
    private var finishedByOutcome: [String: Int] = [:]
    private var durations: [String: DurationHistogram] = [:]
    let workQueue = DispatchQueue(label: "spikeforge.jobs", qos: .utility, attributes: .concurrent)
    let workers = DispatchGroup()

    public init(store: Store, configuration: Configuration = Configuration()) {
        self.store = store
        shared = store as? SharedJobStore
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
        let report = try store.recoverInterruptedJobs(maxAttempts: configuration.maxAttempts, at: Date()) {
            Self.interrupted(attempts: $0).failure
        }
        logRecovery(report)
        let queued = shared == nil ? try store.queuedJobIDs() : []
        lock.lock(); defer { lock.unlock() }
        guard accepting, !started else { return report }
        started = true
        if shared != nil {
            startSharedWorkersLocked()
            return report
        }
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
        let (job, inserted) = try store.insertJob(
            JobRecord(type: type, paramsJSON: params, idempotencyKey: idempotencyKey))
        if !inserted, let key = idempotencyKey { return try repeated(job, type: type, params: params, key: key) }
        lock.lock(); defer { lock.unlock() }
        submitted += 1
        if shared != nil {
            wake()
        } else if started && !stopping {
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
        if let shared {
            shared.stopListening()
            wake()
        }
        return workers.wait(timeout: .now() + timeout) == .success
    }

    /// Blocks until no job is waiting or running in this process (CLI runs, tests) — on a shared
    /// store: none is queued in the store and none runs here. False on timeout.
    public func waitUntilIdle(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            var idle = pending.isEmpty && running.isEmpty && (activeWorkers == 0 || shared != nil)
            lock.unlock()
            if idle, shared != nil { idle = (try? store.queuedJobIDs().isEmpty) ?? false }
            if idle { return true }
            usleep(5_000)
        }
        return false
    }

    /// Counters for /metrics.
    public func metrics() throws -> JobMetrics {
        let byState = try store.jobCountsByState()
        lock.lock(); defer { lock.unlock() }
        return JobMetrics(
            jobsByState: byState, queueDepth: shared == nil ? pending.count : byState[.queued] ?? 0,
            running: running.count,
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
        run(job, control)
    }

    /// Runs a claimed job's handler and records how it ended.
    func run(_ job: JobRecord, _ control: RunControl) {
        let id = job.id
        lock.lock()
        let handler = handlers[job.type]
        lock.unlock()
        let startTime = DispatchTime.now().uptimeNanoseconds
        let context = JobContext(job: job, control: control, queue: self)
        let outcome: Result<String, Error>
        if let handler {
            outcome = Result { try handler(context) }
        } else {
            outcome = .failure(
                Problem(
                    type: Problem.typeBase + "unknown-type", title: "Unknown job type", status: 422,
                    detail: "no handler is registered for job type '\(job.type)' in this build"))
        }
        context.flush()
        let finalState: String
        switch outcome {
        case .success(let text):
            if let result = JSONText.canonical(text, requireObject: false) {
                finalState = finish(id, .succeeded, result: result, error: nil)
            } else {
                let problem = Problem(
                    type: Problem.typeBase + "invalid-result", title: "Job produced an invalid result",
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
        record { _ = try $0.finishJob(id: id, state: state, resultJSON: result, failure: error?.failure, at: Date()) }
        return state.rawValue
    }

    /// The problem object a failed job carries for `error`.
    public static func problem(for error: Error, jobType: String) -> Problem {
        if let problem = error as? Problem { return problem }
        if let convertible = error as? ProblemConvertible { return convertible.problem }
        return Problem(
            type: Problem.typeBase + "job-failed", title: "Job failed", status: 500,
            detail: "the \(jobType) job failed: \(error)")
    }

    /// The problem of a job that was started `attempts` times and each run ended with the process dying.
    static func interrupted(attempts: Int) -> Problem {
        Problem(
            type: Problem.typeBase + "interrupted", title: "Job interrupted too often", status: 500,
            detail: "the job was started \(attempts) times and each run ended with the process dying; "
                + "it is not retried again. Check the server log, then submit it again.")
    }

    /// Runs a store write whose failure must not kill a worker; the job row then stays as it was
    /// (at worst `running`, which the next start recovers).
    func record(_ write: (Store) throws -> Void) {
        do { try write(store) } catch { configuration.logger("job store write failed: \(error)") }
    }
}
