// Service: which store and blob directory a configuration selects — SQLite in a locked data
// directory (one server), or PostgreSQL plus a blob directory shared by every replica, each with a
// temporary area of its own.
import Foundation
import Persistence

extension Service {
    static func openStorage(_ configuration: ServiceConfiguration) throws -> (DataDirectory?, Store, BlobStorage) {
        let url = URL(fileURLWithPath: configuration.dataDir, isDirectory: true).standardizedFileURL
        guard configuration.usesPostgres else {
            let directory = try DataDirectory(url: url)
            return (directory, directory.store, directory.blobs)
        }
        // A connection per HTTP thread and worker, plus the heartbeat and recovery.
        let store = try PostgresStore(
            url: configuration.store, poolSize: configuration.httpThreads + configuration.workers + 2,
            leaseSeconds: Double(configuration.jobLeaseSeconds))
        let blobs = try BlobStore(dataDirectory: url, replica: store.replicaID)
        return (nil, store, blobs)
    }
}
