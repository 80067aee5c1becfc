// Jobs: what the job runner throws — `JobInterrupted` at a handler's progress points (cancel or
// shutdown) and `JobError` for refused submissions and cancels (the Service maps them to HTTP).
import Persistence

/// Thrown by `JobContext.progress` / `checkpoint` when the job must stop. Handlers let it propagate.
public struct JobInterrupted: Error, CustomStringConvertible, Equatable {
    public enum Reason: String, Sendable { case cancelled, shutdown }
    public var reason: Reason
    public var description: String {
        reason == .cancelled
            ? "job: cancelled by request" : "job: stopped because the server is shutting down; it will run again"
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
            return
                "jobs: Idempotency-Key '\(key)' was already used for job \(id) with a different type or params; "
                + "use a new key"
        case .notFound(let id):
            return "jobs: no job \(id)"
        case .alreadyFinished(let id, let state):
            return "jobs: job \(id) already \(state.rawValue); only queued or running jobs can be cancelled"
        case .shuttingDown:
            return
                "jobs: the server is shutting down and accepts no new jobs; retry against another instance or "
                + "after restart"
        }
    }
}
