// Jobs: what a running handler sees of its job — progress reports (throttled writes to the store)
// that double as cancellation points, the event log, and the stop signal of one run.
import Dispatch
import Foundation
import Persistence

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
