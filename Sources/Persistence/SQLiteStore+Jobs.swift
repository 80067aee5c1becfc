// SQLiteStore: jobs and job events — every state transition is one conditional UPDATE ("from
// state X to Y") inside a transaction that also appends the job's event, so concurrent callers
// never both win and the event log never disagrees with the row.
import Foundation

extension SQLiteStore {
    // MARK: jobs

    public func insertJob(_ job: JobRecord) throws -> (job: JobRecord, inserted: Bool) {
        try locked {
            try connection.transaction("insert job") {
                if let key = job.idempotencyKey, let existing = try jobByKeyLocked(key) {
                    return (existing, false)
                }
                try connection.run(
                    """
                    INSERT INTO jobs (id, type, state, params, progress_phase, progress_done, progress_total, result,
                                      error, idempotency_key, cancel_requested, attempts, created_at, started_at,
                                      finished_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(job.id), .text(job.type), .text(job.state.rawValue), .text(job.paramsJSON),
                        SQLValue(job.progress?.phase), SQLValue(job.progress.map { Int64($0.done) }),
                        SQLValue(job.progress.map { Int64($0.total) }), SQLValue(job.resultJSON),
                        SQLValue(job.errorJSON),
                        SQLValue(job.idempotencyKey), .int(job.cancelRequested ? 1 : 0), .int(Int64(job.attempts)),
                        .int(millis(job.createdAt)), SQLValue(job.startedAt.map(millis)),
                        SQLValue(job.finishedAt.map(millis)), .int(millis(job.updatedAt)),
                    ], "insert job")
                try appendEventLocked(
                    jobID: job.id, kind: "submitted", message: "\(job.type) job submitted", at: job.createdAt)
                guard let stored = try jobLocked(job.id) else {
                    throw StoreError.corruptRow("job \(job.id) vanished right after insert")
                }
                return (stored, true)
            }
        }
    }

    private func jobLocked(_ id: String) throws -> JobRecord? {
        try connection.query(
            "SELECT \(RecordColumns.job) FROM jobs WHERE id = ?", [.text(id)], "read job", row: JobRecord.init(row:)
        ).first
    }

    private func jobByKeyLocked(_ key: String) throws -> JobRecord? {
        try connection.query(
            "SELECT \(RecordColumns.job) FROM jobs WHERE idempotency_key = ?", [.text(key)],
            "read job by idempotency key", row: JobRecord.init(row:)
        ).first
    }

    public func job(id: String) throws -> JobRecord? {
        try locked { try jobLocked(id) }
    }

    public func job(idempotencyKey: String) throws -> JobRecord? {
        try locked { try jobByKeyLocked(idempotencyKey) }
    }

    public func listJobs(_ filter: JobFilter, _ page: PageRequest) throws -> Page<JobRecord> {
        var conditions: [String] = []
        var args: [SQLValue] = []
        if let state = filter.state { conditions.append("state = ?"); args.append(.text(state.rawValue)) }
        if let type = filter.type { conditions.append("type = ?"); args.append(.text(type)) }
        return try list(
            table: "jobs", columns: RecordColumns.job, conditions: conditions, args: args, page: page,
            decode: JobRecord.init(row:))
    }

    public func queuedJobIDs() throws -> [String] {
        try locked {
            try connection.query(
                "SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at, id", [],
                "list queued jobs"
            ) { $0.text(0) }
        }
    }

    public func jobCountsByState() throws -> [JobState: Int] {
        try locked {
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            try connection.query("SELECT state, COUNT(*) FROM jobs GROUP BY state", [], "count jobs by state") { r in
                if let state = JobState(rawValue: r.text(0)) { counts[state] = Int(r.int(1)) }
            }
            return counts
        }
    }

    public func claimJob(id: String, at: Date) throws -> JobRecord? {
        try locked {
            try connection.transaction("claim job") {
                let changed = try connection.run(
                    """
                    UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?2, finished_at = NULL,
                                    updated_at = ?2
                    WHERE id = ?1 AND state = 'queued'
                    """, [.text(id), .int(millis(at))], "claim job")
                guard changed > 0, let job = try jobLocked(id) else { return nil }
                try appendEventLocked(jobID: id, kind: "started", message: "attempt \(job.attempts) started", at: at)
                return job
            }
        }
    }

    public func updateJobProgress(id: String, _ progress: JobProgress, at: Date) throws {
        try locked {
            _ = try connection.run(
                """
                UPDATE jobs SET progress_phase = ?2, progress_done = ?3, progress_total = ?4, updated_at = ?5
                WHERE id = ?1 AND state = 'running'
                """,
                [
                    .text(id), .text(progress.phase), .int(Int64(progress.done)), .int(Int64(progress.total)),
                    .int(millis(at)),
                ], "update job progress")
        }
    }

    public func finishJob(
        id: String, state: JobState, resultJSON: String?, failure: JobFailure?, at: Date
    ) throws -> Bool {
        guard state.isTerminal else {
            throw StoreError.conflict("finishJob needs a terminal state, got \(state.rawValue)")
        }
        return try locked {
            try connection.transaction("finish job") {
                let changed = try connection.run(
                    """
                    UPDATE jobs SET state = ?2, result = ?3, error = ?4, finished_at = ?5, updated_at = ?5
                    WHERE id = ?1 AND state = 'running'
                    """,
                    [
                        .text(id), .text(state.rawValue), SQLValue(resultJSON), SQLValue(failure?.json),
                        .int(millis(at)),
                    ],
                    "finish job")
                guard changed > 0 else { return false }
                try appendEventLocked(
                    jobID: id, kind: state.rawValue, message: failure?.message ?? "job \(state.rawValue)", at: at)
                return true
            }
        }
    }

    public func requeueJob(id: String, at: Date) throws -> Bool {
        try locked {
            try connection.transaction("requeue job") {
                let changed = try connection.run(
                    """
                    UPDATE jobs SET state = 'queued', started_at = NULL, updated_at = ?2
                    WHERE id = ?1 AND state = 'running'
                    """, [.text(id), .int(millis(at))], "requeue job")
                guard changed > 0 else { return false }
                try appendEventLocked(
                    jobID: id, kind: "requeued", message: "stopped at a safe point for shutdown; queued again", at: at)
                return true
            }
        }
    }

    public func cancelQueuedJob(id: String, at: Date) throws -> Bool {
        try locked {
            try connection.transaction("cancel queued job") {
                let changed = try connection.run(
                    """
                    UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_at = ?2, updated_at = ?2
                    WHERE id = ?1 AND state = 'queued'
                    """, [.text(id), .int(millis(at))], "cancel queued job")
                guard changed > 0 else { return false }
                try appendEventLocked(jobID: id, kind: "cancelled", message: "cancelled before it started", at: at)
                return true
            }
        }
    }

    public func requestCancel(id: String, at: Date) throws -> Bool {
        try locked {
            try connection.transaction("request cancel") {
                let changed = try connection.run(
                    """
                    UPDATE jobs SET cancel_requested = 1, updated_at = ?2 WHERE id = ?1 AND state = 'running'
                    """, [.text(id), .int(millis(at))], "request cancel")
                guard changed > 0 else { return false }
                try appendEventLocked(
                    jobID: id, kind: "cancel-requested", message: "stops at its next progress point", at: at)
                return true
            }
        }
    }

    public func recoverInterruptedJobs(
        maxAttempts: Int, at: Date, failure: (Int) -> JobFailure
    ) throws -> RecoveryReport {
        try locked {
            try connection.transaction("recover interrupted jobs") {
                var report = RecoveryReport()
                let running = try connection.query(
                    "SELECT id, cancel_requested, attempts FROM jobs WHERE state = 'running' ORDER BY created_at, id",
                    [],
                    "list interrupted jobs"
                ) { ($0.text(0), $0.int(1) != 0, Int($0.int(2))) }
                let now = Int64(millis(at))
                for (id, cancelRequested, attempts) in running {
                    if cancelRequested {
                        try connection.run(
                            "UPDATE jobs SET state = 'cancelled', finished_at = ?2, updated_at = ?2 WHERE id = ?1",
                            [.text(id), .int(now)], "recover: cancel")
                        try appendEventLocked(
                            jobID: id, kind: "cancelled", message: "interrupted by a restart after a cancel request",
                            at: at)
                        report.cancelled.append(id)
                    } else if attempts >= maxAttempts {
                        let failed = failure(attempts)
                        try connection.run(
                            "UPDATE jobs SET state = 'failed', error = ?2, finished_at = ?3, updated_at = ?3 "
                                + "WHERE id = ?1",
                            [.text(id), .text(failed.json), .int(now)], "recover: fail")
                        try appendEventLocked(jobID: id, kind: "failed", message: failed.message, at: at)
                        report.failed.append(id)
                    } else {
                        try connection.run(
                            "UPDATE jobs SET state = 'queued', started_at = NULL, updated_at = ?2 WHERE id = ?1",
                            [.text(id), .int(now)], "recover: requeue")
                        try appendEventLocked(
                            jobID: id, kind: "recovered", message: "left running by a previous process; queued again",
                            at: at)
                        report.requeued.append(id)
                    }
                }
                return report
            }
        }
    }

    // MARK: job events

    public func appendJobEvent(jobID: String, kind: String, message: String, at: Date) throws {
        try locked { try appendEventLocked(jobID: jobID, kind: kind, message: message, at: at) }
    }

    func appendEventLocked(jobID: String, kind: String, message: String, at: Date) throws {
        try connection.run(
            "INSERT INTO job_events (job_id, time, kind, message) VALUES (?, ?, ?, ?)",
            [.text(jobID), .int(millis(at)), .text(kind), .text(message)], "append job event")
    }

    public func jobEvents(jobID: String, afterID: Int64?, limit: Int) throws -> [JobEvent] {
        try locked {
            try connection.query(
                """
                SELECT id, job_id, time, kind, message FROM job_events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?
                """, [.text(jobID), .int(afterID ?? 0), .int(Int64(max(limit, 0)))], "read job events"
            ) { r in
                JobEvent(id: r.int(0), jobID: r.text(1), time: date(r.int(2)), kind: r.text(3), message: r.text(4))
            }
        }
    }
}
