// PostgresStore: jobs, leases and job events. Every transition is one conditional UPDATE in a
// transaction that also appends the job's event (the UPDATE's row lock orders one job's events);
// a running job is leased to the replica that claimed it, and only that replica may report its
// progress, finish it or requeue it. Lease times use the database's clock, so replicas whose clocks
// disagree still agree on which lease expired. Queue signals travel as NOTIFY on two channels.
import Foundation

extension PostgresStore {
    static let jobsChannel = "spikeforge_jobs"
    static let cancelChannel = "spikeforge_cancel"
    /// The database's clock in integer milliseconds.
    static let nowMillis = "(extract(epoch from clock_timestamp()) * 1000)::bigint"

    private func jobQuery(
        _ c: PostgresConnection, _ condition: String, _ args: [String?], _ op: String
    ) throws
        -> JobRecord?
    {
        try c.query("SELECT \(RecordColumns.job) FROM jobs WHERE \(condition)", args, op, row: JobRecord.init(row:))
            .first
    }

    public func insertJob(_ job: JobRecord) throws -> (job: JobRecord, inserted: Bool) {
        try pool.transaction("insert job") { c in
            // ON CONFLICT waits for a concurrent insert of the same key and then yields to it.
            let inserted = try c.run(
                """
                INSERT INTO jobs (id, type, state, params, progress_phase, progress_done, progress_total, result,
                                  error, idempotency_key, cancel_requested, attempts, created_at, started_at,
                                  finished_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                ON CONFLICT (idempotency_key) DO NOTHING
                """,
                [
                    job.id, job.type, job.state.rawValue, job.paramsJSON, job.progress?.phase,
                    job.progress.map { "\($0.done)" }, job.progress.map { "\($0.total)" }, job.resultJSON,
                    job.errorJSON, job.idempotencyKey, job.cancelRequested ? "true" : "false", "\(job.attempts)",
                    "\(millis(job.createdAt))", job.startedAt.map { "\(millis($0))" },
                    job.finishedAt.map { "\(millis($0))" }, "\(millis(job.updatedAt))",
                ], "insert job")
            if inserted == 0, let key = job.idempotencyKey {
                guard let existing = try jobQuery(c, "idempotency_key = $1", [key], "read job by idempotency key")
                else { throw StoreError.conflict("insert job: idempotency key '\(key)' vanished") }
                return (existing, false)
            }
            try appendEvent(
                c, jobID: job.id, kind: "submitted", message: "\(job.type) job submitted", at: job.createdAt)
            if job.state == .queued { try notify(c, Self.jobsChannel, "") }
            guard let stored = try jobQuery(c, "id = $1", [job.id], "read job") else {
                throw StoreError.corruptRow("job \(job.id) vanished right after insert")
            }
            return (stored, true)
        }
    }

    public func job(id: String) throws -> JobRecord? {
        try pool.with { try jobQuery($0, "id = $1", [id], "read job") }
    }

    public func job(idempotencyKey: String) throws -> JobRecord? {
        try pool.with { try jobQuery($0, "idempotency_key = $1", [idempotencyKey], "read job by idempotency key") }
    }

    public func listJobs(_ filter: JobFilter, _ page: PageRequest) throws -> Page<JobRecord> {
        var conditions: [String] = []
        var args: [String?] = []
        if let state = filter.state { args.append(state.rawValue); conditions.append("state = $\(args.count)") }
        if let type = filter.type { args.append(type); conditions.append("type = $\(args.count)") }
        return try list(
            table: "jobs", columns: RecordColumns.job, conditions: conditions, args: args, page: page,
            decode: JobRecord.init(row:))
    }

    public func queuedJobIDs() throws -> [String] {
        try pool.with {
            try $0.query("SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at, id", [], "list queued jobs") {
                $0.text(0)
            }
        }
    }

    public func jobCountsByState() throws -> [JobState: Int] {
        var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
        try pool.with {
            try $0.query("SELECT state, COUNT(*) FROM jobs GROUP BY state", [], "count jobs by state") { r in
                if let state = JobState(rawValue: r.text(0)) { counts[state] = Int(r.int(1)) }
            }
        }
        return counts
    }

    private var claimAssignments: String {
        """
        state = 'running', attempts = attempts + 1, started_at = $1, finished_at = NULL, updated_at = $1,
        lease_owner = $2, lease_expires_at = \(Self.nowMillis) + $3
        """
    }

    private var leaseArgs: [String?] { [replicaID, "\(Int64(leaseSeconds * 1000))"] }

    public func claimJob(id: String, at: Date) throws -> JobRecord? {
        try claim("id = $4 AND state = 'queued'", [id], at: at)
    }

    public func claimNextJob(at: Date) throws -> JobRecord? {
        // SKIP LOCKED: replicas claiming at the same moment take different jobs instead of queueing up.
        try claim(
            "id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)",
            [], at: at)
    }

    private func claim(_ condition: String, _ args: [String?], at: Date) throws -> JobRecord? {
        try pool.transaction("claim job") { c in
            let claimed = try c.query(
                "UPDATE jobs SET \(claimAssignments) WHERE \(condition) RETURNING \(RecordColumns.job)",
                ["\(millis(at))"] + leaseArgs + args, "claim job", row: JobRecord.init(row:)
            ).first
            guard let job = claimed else { return nil }
            try appendEvent(
                c, jobID: job.id, kind: "started", message: "attempt \(job.attempts) started on \(replicaID)", at: at)
            return job
        }
    }

    public func renewLeases(ids: [String]) throws -> [String: Bool] {
        guard !ids.isEmpty else { return [:] }
        let rows = try pool.with {
            try $0.query(
                """
                UPDATE jobs SET lease_expires_at = \(Self.nowMillis) + $3
                WHERE id = ANY($1::text[]) AND state = 'running' AND lease_owner = $2
                RETURNING id, cancel_requested
                """, ["{" + ids.joined(separator: ",") + "}"] + leaseArgs, "renew leases"
            ) { ($0.text(0), $0.bool(1)) }
        }
        return Dictionary(rows, uniquingKeysWith: { a, _ in a })
    }

    public func updateJobProgress(id: String, _ progress: JobProgress, at: Date) throws {
        try pool.with {
            _ = try $0.run(
                """
                UPDATE jobs SET progress_phase = $2, progress_done = $3, progress_total = $4, updated_at = $5
                WHERE id = $1 AND state = 'running' AND lease_owner = $6
                """,
                [id, progress.phase, "\(progress.done)", "\(progress.total)", "\(millis(at))", replicaID],
                "update job progress")
        }
    }

    /// One conditional UPDATE plus its event in a transaction; false when the condition did not hold.
    private func transition(
        _ id: String, set: String, where condition: String, _ args: [String?], at: Date, operation: String,
        event: (kind: String, message: String), notify channel: String? = nil
    ) throws -> Bool {
        try pool.transaction(operation) { c in
            let changed = try c.run(
                "UPDATE jobs SET \(set), updated_at = $2 WHERE id = $1 AND \(condition)",
                [id, "\(millis(at))"] + args, operation)
            guard changed > 0 else { return false }
            try appendEvent(c, jobID: id, kind: event.kind, message: event.message, at: at)
            if let channel { try notify(c, channel, channel == Self.cancelChannel ? id : "") }
            return true
        }
    }

    public func finishJob(
        id: String, state: JobState, resultJSON: String?, failure: JobFailure?, at: Date
    ) throws -> Bool {
        guard state.isTerminal else {
            throw StoreError.conflict("finishJob needs a terminal state, got \(state.rawValue)")
        }
        return try transition(
            id, set: "state = $3, result = $4, error = $5, finished_at = $2, lease_owner = NULL",
            where: "state = 'running' AND lease_owner = $6", [state.rawValue, resultJSON, failure?.json, replicaID],
            at: at, operation: "finish job",
            event: (state.rawValue, failure?.message ?? "job \(state.rawValue)"))
    }

    public func requeueJob(id: String, at: Date) throws -> Bool {
        try transition(
            id, set: "state = 'queued', started_at = NULL, lease_owner = NULL, lease_expires_at = NULL",
            where: "state = 'running' AND lease_owner = $3", [replicaID], at: at, operation: "requeue job",
            event: ("requeued", "stopped at a safe point for shutdown; queued again"), notify: Self.jobsChannel)
    }

    public func cancelQueuedJob(id: String, at: Date) throws -> Bool {
        try transition(
            id, set: "state = 'cancelled', cancel_requested = true, finished_at = $2", where: "state = 'queued'", [],
            at: at, operation: "cancel queued job", event: ("cancelled", "cancelled before it started"))
    }

    public func requestCancel(id: String, at: Date) throws -> Bool {
        try transition(
            id, set: "cancel_requested = true", where: "state = 'running'", [], at: at, operation: "request cancel",
            event: ("cancel-requested", "stops at its next progress point"), notify: Self.cancelChannel)
    }

    /// On a shared database "interrupted" means "its lease expired": the replica holding it died or
    /// lost the database for longer than the lease. Jobs of live replicas are never touched.
    public func recoverInterruptedJobs(
        maxAttempts: Int, at: Date, failure: (Int) -> JobFailure
    ) throws -> RecoveryReport {
        try pool.transaction("recover expired leases") { c in
            var report = RecoveryReport()
            let expired = try c.query(
                """
                SELECT id, cancel_requested, attempts, COALESCE(lease_owner, '?') FROM jobs
                WHERE state = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < \(Self.nowMillis))
                ORDER BY created_at, id FOR UPDATE SKIP LOCKED
                """, [], "list expired leases"
            ) { ($0.text(0), $0.bool(1), Int($0.int(2)), $0.text(3)) }
            let now = "\(millis(at))"
            let release = "lease_owner = NULL, lease_expires_at = NULL, updated_at = $2"
            for (id, cancelRequested, attempts, owner) in expired {
                if cancelRequested {
                    try c.run(
                        "UPDATE jobs SET state = 'cancelled', finished_at = $2, \(release) WHERE id = $1", [id, now],
                        "recover: cancel")
                    try appendEvent(
                        c, jobID: id, kind: "cancelled",
                        message: "its replica \(owner) stopped after a cancel request", at: at)
                    report.cancelled.append(id)
                } else if attempts >= maxAttempts {
                    let failed = failure(attempts)
                    try c.run(
                        "UPDATE jobs SET state = 'failed', error = $3, finished_at = $2, \(release) WHERE id = $1",
                        [id, now, failed.json], "recover: fail")
                    try appendEvent(c, jobID: id, kind: "failed", message: failed.message, at: at)
                    report.failed.append(id)
                } else {
                    try c.run(
                        "UPDATE jobs SET state = 'queued', started_at = NULL, \(release) WHERE id = $1",
                        [id, now], "recover: requeue")
                    try appendEvent(
                        c, jobID: id, kind: "recovered",
                        message: "the lease of replica \(owner) expired; queued again", at: at)
                    report.requeued.append(id)
                }
            }
            if !report.requeued.isEmpty { try notify(c, Self.jobsChannel, "") }
            return report
        }
    }

    // MARK: job events

    public func appendJobEvent(jobID: String, kind: String, message: String, at: Date) throws {
        try pool.transaction("append job event") { c in
            // The job's row lock orders its events by commit, so `afterID` polling never skips one.
            try c.query("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE", [jobID], "lock job") { _ in () }
            try appendEvent(c, jobID: jobID, kind: kind, message: message, at: at)
        }
    }

    func appendEvent(_ c: PostgresConnection, jobID: String, kind: String, message: String, at: Date) throws {
        try c.run(
            "INSERT INTO job_events (job_id, time, kind, message) VALUES ($1, $2, $3, $4)",
            [jobID, "\(millis(at))", kind, message], "append job event")
    }

    func notify(_ c: PostgresConnection, _ channel: String, _ payload: String) throws {
        try c.query("SELECT pg_notify($1, $2)", [channel, payload], "notify \(channel)") { _ in () }
    }

    public func jobEvents(jobID: String, afterID: Int64?, limit: Int) throws -> [JobEvent] {
        try pool.with {
            try $0.query(
                """
                SELECT id, job_id, time, kind, message FROM job_events WHERE job_id = $1 AND id > $2
                ORDER BY id LIMIT $3
                """,
                [jobID, "\(afterID ?? 0)", "\(max(limit, 0))"], "read job events"
            ) { r in
                JobEvent(id: r.int(0), jobID: r.text(1), time: date(r.int(2)), kind: r.text(3), message: r.text(4))
            }
        }
    }

    // MARK: signals

    public func listen(_ handler: @escaping @Sendable (QueueSignal) -> Void) {
        listener.start(url: pool.url, channels: [Self.jobsChannel, Self.cancelChannel]) { channel, payload in
            handler(channel == Self.cancelChannel ? .cancelRequested(jobID: payload) : .jobQueued)
        } onConnect: {
            handler(.reconnected)
        }
    }

    public func stopListening() { listener.stop() }
}
