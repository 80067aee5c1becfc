// Jobs: the worker side of a store shared by several replicas (SharedJobStore, e.g. PostgreSQL).
// Each worker claims the oldest queued job straight from the store (no in-memory queue: any replica
// may have submitted it) and sleeps until a signal says a job may be waiting — a local submit, a
// NOTIFY from another replica, a recovered job — or a short poll interval passes. A heartbeat
// thread renews the leases of the jobs running here, delivers cancels requested on other replicas,
// stops a job whose lease this replica lost, and recovers jobs whose replica died (lease expired).
import Dispatch
import Foundation
import Persistence

extension JobQueue {
    /// Starts `workers` claiming workers, the heartbeat and the signal listener. They are threads of
    /// their own, not Dispatch work items: they block for their whole life, and Dispatch on Linux
    /// sizes its pool by CPU count, so it would hold back the heartbeat behind sleeping workers.
    func startSharedWorkersLocked() {
        guard let shared else { return }
        shared.listen { [weak self] signal in self?.handle(signal) }
        for index in 0..<configuration.workers {
            activeWorkers += 1
            spawn("spikeforge.worker.\(index)") { $0.claimLoop(shared) }
        }
        spawn("spikeforge.heartbeat") { $0.heartbeatLoop(shared) }
    }

    private func spawn(_ name: String, _ body: @escaping (JobQueue) -> Void) {
        workers.enter()
        let thread = Thread { [self] in
            body(self)
            workers.leave()
        }
        thread.name = name
        thread.start()
    }

    func logRecovery(_ report: RecoveryReport) {
        let cause = shared == nil ? "a previous process" : "a replica whose lease expired"
        for id in report.requeued { configuration.logger("job \(id) was left running by \(cause); queued again") }
        for id in report.failed {
            configuration.logger("job \(id) was interrupted \(configuration.maxAttempts) times; marked failed")
        }
    }

    /// Wakes every idle worker of this process (they then try to claim).
    func wake() {
        wakeup.lock()
        wakeups &+= 1
        wakeup.broadcast()
        wakeup.unlock()
    }

    private var wakeCount: Int {
        wakeup.lock(); defer { wakeup.unlock() }
        return wakeups
    }

    private func sleep(after seen: Int, timeout: TimeInterval) {
        let deadline = Date().addingTimeInterval(timeout)
        wakeup.lock()
        defer { wakeup.unlock() }
        while wakeups == seen && wakeup.wait(until: deadline) {}
    }

    private var isStopping: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopping
    }

    /// The longest an idle worker sleeps without a signal: a missed NOTIFY (listener reconnecting)
    /// delays a job at most this long.
    private var idlePoll: TimeInterval { 2 }

    private func claimLoop(_ shared: SharedJobStore) {
        var lastError = ""
        while !isStopping {
            let seen = wakeCount
            do {
                if let job = try shared.claimNextJob(at: Date()) {
                    lastError = ""
                    let control = RunControl()
                    lock.lock()
                    running[job.id] = control
                    if stopping { control.signal(.shutdown) }
                    lock.unlock()
                    run(job, control)
                    lock.lock()
                    running.removeValue(forKey: job.id)
                    lock.unlock()
                    continue
                }
            } catch {
                // A database outage: say so once, keep trying at the poll interval.
                if "\(error)" != lastError { configuration.logger("cannot claim jobs: \(error)") }
                lastError = "\(error)"
            }
            sleep(after: seen, timeout: idlePoll)
        }
        lock.lock()
        activeWorkers -= 1
        lock.unlock()
    }

    /// Renews leases and recovers expired ones every third of the lease (two heartbeats may be
    /// missed before a lease expires). Runs until shutdown has drained this replica's jobs.
    private func heartbeatLoop(_ shared: SharedJobStore) {
        let interval = shared.leaseSeconds / 3
        var next = Date()
        while true {
            lock.lock()
            let ids = Array(running.keys)
            let done = stopping && running.isEmpty && activeWorkers == 0
            lock.unlock()
            if done { return }
            if Date() >= next {
                next = Date().addingTimeInterval(interval)
                heartbeat(shared, ids)
                if !isStopping { recoverExpired() }
            }
            usleep(50_000)
        }
    }

    private func heartbeat(_ shared: SharedJobStore, _ ids: [String]) {
        let held: [String: Bool]
        do { held = try shared.renewLeases(ids: ids) } catch {
            configuration.logger("cannot renew job leases: \(error)")
            return
        }
        lock.lock()
        defer { lock.unlock() }
        for id in ids {
            guard let control = running[id] else { continue }
            if let cancelRequested = held[id] {
                if cancelRequested { control.signal(.cancelled) }
            } else {
                // Another replica may run it now; stop here without recording anything.
                configuration.logger("job \(id): this replica lost its lease; stopping it")
                control.signal(.shutdown)
            }
        }
    }

    private func recoverExpired() {
        do {
            let report = try store.recoverInterruptedJobs(maxAttempts: configuration.maxAttempts, at: Date()) {
                Self.interrupted(attempts: $0).failure
            }
            logRecovery(report)
            if !report.requeued.isEmpty { wake() }
        } catch {
            configuration.logger("cannot recover expired job leases: \(error)")
        }
    }

    private func handle(_ signal: QueueSignal) {
        switch signal {
        case .jobQueued, .reconnected:
            wake()
        case .cancelRequested(let id):
            lock.lock()
            running[id]?.signal(.cancelled)
            lock.unlock()
        }
    }
}
