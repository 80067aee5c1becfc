// Store: the persistence contract for models, datasets, jobs and job events. SQLiteStore implements
// it for one machine; a server database (PostgreSQL) can implement it for several replicas. Every job
// state transition is a single conditional update ("from state X to Y"), so the contract holds when
// many HTTP threads, workers and (later) replicas act on the same job at once.
import Foundation

public protocol Store: AnyObject, Sendable {
    // MARK: models
    /// Throws `StoreError.conflict` for a duplicate id or a dangling parent/source reference.
    /// Returns the record as stored (timestamps rounded to milliseconds).
    @discardableResult func insertModel(_ model: ModelRecord) throws -> ModelRecord
    func model(id: String) throws -> ModelRecord?
    func listModels(_ page: PageRequest) throws -> Page<ModelRecord>
    /// Returns false when no such model exists. Derived models keep existing (their parent becomes nil).
    func deleteModel(id: String) throws -> Bool

    // MARK: datasets
    @discardableResult func insertDataset(_ dataset: DatasetRecord) throws -> DatasetRecord
    func dataset(id: String) throws -> DatasetRecord?
    func listDatasets(_ page: PageRequest) throws -> Page<DatasetRecord>
    func deleteDataset(id: String) throws -> Bool

    /// True when any model or dataset still refers to the blob (so it must not be removed).
    func isBlobReferenced(sha256: String) throws -> Bool

    // MARK: jobs
    /// Inserts a queued job, or — when its idempotency key is already used — returns the existing job
    /// untouched with `inserted == false`. The row is durable when this returns.
    func insertJob(_ job: JobRecord) throws -> (job: JobRecord, inserted: Bool)
    func job(id: String) throws -> JobRecord?
    func job(idempotencyKey: String) throws -> JobRecord?
    func listJobs(_ filter: JobFilter, _ page: PageRequest) throws -> Page<JobRecord>
    /// IDs of queued jobs, oldest first (the order workers take them).
    func queuedJobIDs() throws -> [String]
    func jobCountsByState() throws -> [JobState: Int]

    /// queued → running (attempts + 1, startedAt set). Returns nil when the job is not queued any more.
    func claimJob(id: String, at: Date) throws -> JobRecord?
    /// Persists progress of a running job (no-op for other states).
    func updateJobProgress(id: String, _ progress: JobProgress, at: Date) throws
    /// running → succeeded | failed | cancelled, with result or failure. Returns false when not running.
    func finishJob(id: String, state: JobState, resultJSON: String?, failure: JobFailure?, at: Date) throws -> Bool
    /// running → queued (a graceful shutdown stopped it at a safe point). Returns false when not running.
    func requeueJob(id: String, at: Date) throws -> Bool
    /// queued → cancelled. Returns false when the job is not queued.
    func cancelQueuedJob(id: String, at: Date) throws -> Bool
    /// Marks a running job so its worker stops at the next progress point. Returns false when not running.
    func requestCancel(id: String, at: Date) throws -> Bool
    /// Start-up recovery after a crash, applied to every job left `running`: one with a pending
    /// cancel becomes `cancelled`; one started `maxAttempts` times already becomes `failed`
    /// (it probably crashes the process) with the failure `failure(attempts)`; any other returns to `queued`.
    func recoverInterruptedJobs(maxAttempts: Int, at: Date, failure: (Int) -> JobFailure) throws -> RecoveryReport

    // MARK: job events
    func appendJobEvent(jobID: String, kind: String, message: String, at: Date) throws
    /// Events of one job in time order; `afterID` gives only newer ones (for polling).
    func jobEvents(jobID: String, afterID: Int64?, limit: Int) throws -> [JobEvent]
}

public struct RecoveryReport: Equatable, Sendable {
    public var requeued: [String] = []
    public var cancelled: [String] = []
    public var failed: [String] = []
    public init() {}
}

public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// SQLite returned an error; `operation` names the statement's purpose.
    case database(operation: String, code: Int32, message: String)
    /// The database was written by a newer SpikeForge whose schema this build does not know.
    case schemaTooNew(found: Int, supported: Int)
    case migrationFailed(version: Int, message: String)
    /// A uniqueness or foreign-key rule rejected the write.
    case conflict(String)
    /// A pagination cursor that this store did not issue.
    case invalidCursor(String)
    /// A value that must be JSON is not (params, result, description).
    case invalidJSON(field: String)
    /// A row that cannot be decoded (hand-edited or corrupted database).
    case corruptRow(String)
    /// The database server cannot be reached (PostgreSQL down, network failure): retry later.
    case unavailable(operation: String, message: String)
    /// PostgreSQL refused a statement; `sqlstate` is its five-character error code.
    case server(operation: String, sqlstate: String, message: String)

    public var description: String {
        switch self {
        case .database(let op, let code, let message):
            return "store: SQLite error \(code) during \(op): \(message)"
        case .schemaTooNew(let found, let supported):
            return
                "store: the database schema is version \(found) but this build supports up to \(supported); run "
                + "a newer SpikeForge or use another data directory"
        case .migrationFailed(let version, let message):
            return
                "store: migration to schema version \(version) failed: \(message); the database was left at the "
                + "previous version"
        case .conflict(let what):
            return "store: conflict: \(what)"
        case .invalidCursor(let c):
            return "store: invalid pagination cursor '\(c.prefix(64))'; pass the nextCursor of a previous page or none"
        case .invalidJSON(let field):
            return "store: \(field) must be valid JSON"
        case .corruptRow(let what):
            return "store: corrupt row: \(what)"
        case .unavailable(let op, let message):
            return "store: the database is unavailable during \(op): \(message); retry later"
        case .server(let op, let sqlstate, let message):
            return "store: PostgreSQL error \(sqlstate) during \(op): \(message)"
        }
    }
}
