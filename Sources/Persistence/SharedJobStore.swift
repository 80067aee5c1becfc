// SharedJobStore: what a Store shared by several replicas (PostgresStore) adds for the job queue.
// Any replica's worker claims the oldest queued job that no other replica is claiming at that
// moment, and holds it under a lease it renews by heartbeats. A replica that dies stops renewing;
// once the lease expires, `recoverInterruptedJobs` (which on a shared store only touches jobs with
// an expired lease) queues the job again for another replica. Signals (a job was queued, a cancel
// was requested) travel between replicas so idle workers wake at once and cancels reach the
// replica that runs the job.
import Foundation

public protocol SharedJobStore: Store {
    /// This replica's name in the jobs it holds (`lease_owner`); unique per process.
    var replicaID: String { get }
    /// How long a claimed job stays this replica's without a heartbeat.
    var leaseSeconds: Double { get }
    /// queued → running for the oldest queued job not being claimed by another replica
    /// (attempts + 1, leased to this replica). nil when no job is waiting.
    func claimNextJob(at: Date) throws -> JobRecord?
    /// Heartbeat: extends the leases this replica holds on `ids`; answers, per job still held, whether
    /// a cancel was requested (on any replica). Jobs missing from the answer are no longer this
    /// replica's (the lease expired and the job was recovered or taken by another replica).
    func renewLeases(ids: [String]) throws -> [String: Bool]
    /// Starts delivering signals from every replica (on a thread of the store's own) until
    /// `stopListening`. After a lost connection it reconnects and sends `.reconnected`.
    func listen(_ handler: @escaping @Sendable (QueueSignal) -> Void)
    func stopListening()
}

public enum QueueSignal: Equatable, Sendable {
    /// A job became queued (submitted, requeued or recovered) somewhere.
    case jobQueued
    /// A client asked to cancel this running job.
    case cancelRequested(jobID: String)
    /// The signal connection was re-established; signals may have been missed meanwhile.
    case reconnected
}
