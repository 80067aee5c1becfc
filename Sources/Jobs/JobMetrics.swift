// Jobs: the counters the runner keeps for /metrics (queue depth, outcomes, duration histograms)
// and what `submit` returns.
import Persistence

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
