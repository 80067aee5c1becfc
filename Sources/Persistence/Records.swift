// Records: the value types the store persists (models, datasets, jobs, job events), their IDs,
// and pages for keyset pagination. JSON-valued fields (params, result, error, description) travel
// as JSON text (canonical form: JSONText.swift) so this module stays independent of what the
// layers above put in them (the job runner owns the shape of a job's error object).
import Foundation

// MARK: IDs

/// Random, URL-safe, prefixed identifiers: `mdl_`, `ds_`, `job_` + 20 characters of [0-9a-z] (~103 bits).
public enum RecordID {
    public static let modelPrefix = "mdl_"
    public static let datasetPrefix = "ds_"
    public static let jobPrefix = "job_"
    static let alphabet: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
    static let randomLength = 20

    public static func make(prefix: String) -> String {
        var rng = SystemRandomNumberGenerator()
        var chars = [UInt8]()
        chars.reserveCapacity(randomLength)
        for _ in 0..<randomLength { chars.append(alphabet[Int(rng.next(upperBound: UInt8(alphabet.count)))]) }
        return prefix + String(decoding: chars, as: UTF8.self)
    }

    public static func newModel() -> String { make(prefix: modelPrefix) }
    public static func newDataset() -> String { make(prefix: datasetPrefix) }
    public static func newJob() -> String { make(prefix: jobPrefix) }

    /// True when `id` has the given prefix followed by exactly the random part this module generates,
    /// so callers can reject malformed IDs without a query.
    public static func isValid(_ id: String, prefix: String) -> Bool {
        guard id.hasPrefix(prefix) else { return false }
        let rest = id.utf8.dropFirst(prefix.utf8.count)
        return rest.count == randomLength && rest.allSatisfy { alphabet.contains($0) }
    }
}

// MARK: models and datasets

public struct ModelRecord: Equatable, Sendable {
    public var id: String
    public var name: String
    /// Container format detected from the blob's magic bytes, e.g. "h5", "fbz".
    public var format: String
    /// What the model is, e.g. "keras-float", "keras-quantized", "akida".
    public var kind: String
    public var sha256: String
    public var size: Int64
    /// JSON text (an object) with whatever the importer learned: layers, input shape, summary.
    public var descriptionJSON: String
    public var createdAt: Date
    /// The model this one was derived from (quantized from, converted from), if any.
    public var parentModelID: String?
    /// The job that produced this model, if any.
    public var sourceJobID: String?

    public init(
        id: String = RecordID.newModel(), name: String, format: String, kind: String,
        sha256: String, size: Int64, descriptionJSON: String = "{}", createdAt: Date = Date(),
        parentModelID: String? = nil, sourceJobID: String? = nil
    ) {
        self.id = id; self.name = name; self.format = format; self.kind = kind
        self.sha256 = sha256; self.size = size; self.descriptionJSON = descriptionJSON
        self.createdAt = createdAt; self.parentModelID = parentModelID; self.sourceJobID = sourceJobID
    }
}

public struct DatasetRecord: Equatable, Sendable {
    public var id: String
    public var name: String
    /// NumPy dtype descriptor, e.g. "<f4", "|u1".
    public var dtype: String
    public var shape: [Int]
    public var sha256: String
    public var size: Int64
    public var createdAt: Date

    public init(
        id: String = RecordID.newDataset(), name: String, dtype: String, shape: [Int],
        sha256: String, size: Int64, createdAt: Date = Date()
    ) {
        self.id = id; self.name = name; self.dtype = dtype; self.shape = shape
        self.sha256 = sha256; self.size = size; self.createdAt = createdAt
    }
}

// MARK: jobs

public enum JobState: String, CaseIterable, Sendable, Codable {
    case queued, running, succeeded, failed, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

public struct JobProgress: Equatable, Sendable {
    public var phase: String
    public var done: Int
    public var total: Int
    public init(phase: String, done: Int, total: Int) { self.phase = phase; self.done = done; self.total = total }
}

public struct JobRecord: Equatable, Sendable {
    public var id: String
    public var type: String
    public var state: JobState
    /// JSON text of an object, stored canonically (sorted keys, compact).
    public var paramsJSON: String
    public var progress: JobProgress?
    /// JSON text returned by the handler when the job succeeded.
    public var resultJSON: String?
    /// Why the job failed, as JSON text of an object (the job runner writes and reads it).
    public var errorJSON: String?
    public var idempotencyKey: String?
    /// A cancel was requested while the job was running; it stops at its next progress point.
    public var cancelRequested: Bool
    /// How many times the job has been started (queued → running); > 1 after a crash or shutdown.
    public var attempts: Int
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date

    public init(
        id: String = RecordID.newJob(), type: String, state: JobState = .queued, paramsJSON: String = "{}",
        progress: JobProgress? = nil, resultJSON: String? = nil, errorJSON: String? = nil,
        idempotencyKey: String? = nil, cancelRequested: Bool = false, attempts: Int = 0,
        createdAt: Date = Date(), startedAt: Date? = nil, finishedAt: Date? = nil, updatedAt: Date? = nil
    ) {
        self.id = id; self.type = type; self.state = state; self.paramsJSON = paramsJSON
        self.progress = progress; self.resultJSON = resultJSON; self.errorJSON = errorJSON
        self.idempotencyKey = idempotencyKey; self.cancelRequested = cancelRequested; self.attempts = attempts
        self.createdAt = createdAt; self.startedAt = startedAt; self.finishedAt = finishedAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

public struct JobEvent: Equatable, Sendable {
    public var id: Int64
    public var jobID: String
    public var time: Date
    /// "submitted", "started", "progress", "log", "succeeded", "failed", "cancel-requested",
    /// "cancelled", "requeued", "recovered", or a handler-defined kind.
    public var kind: String
    public var message: String
}

public struct JobFilter: Equatable, Sendable {
    public var state: JobState?
    public var type: String?
    public init(state: JobState? = nil, type: String? = nil) { self.state = state; self.type = type }
}

// MARK: pagination

/// Newest first. `cursor` is the opaque `nextCursor` of the previous page (nil for the first page).
public struct PageRequest: Equatable, Sendable {
    public static let maxLimit = 500
    public var limit: Int
    public var cursor: String?
    /// `limit` is clamped to 1...maxLimit.
    public init(limit: Int = 50, cursor: String? = nil) {
        self.limit = min(max(limit, 1), PageRequest.maxLimit)
        self.cursor = cursor
    }
}

public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Pass back as `PageRequest.cursor` for the next page; nil when this is the last page.
    public var nextCursor: String?
    public init(items: [Item], nextCursor: String?) { self.items = items; self.nextCursor = nextCursor }
}

// MARK: failures

/// What the store records when a job fails: the error object (JSON text) and the one-line
/// message of the job's `failed` event.
public struct JobFailure: Equatable, Sendable {
    public var json: String
    public var message: String
    public init(json: String, message: String) {
        self.json = json
        self.message = message
    }
}
