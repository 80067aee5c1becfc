// Persistence: the stores (SQLite embedded, PostgreSQL shared) of models, datasets, jobs and events,
// and the content-addressed blob store. docs/storage.md describes the schema, data directory and
// guarantees. It knows nothing of HTTP or of how jobs run: the job runner is the `Jobs` module,
// problem objects live there.
//
// Public API (stable; the Jobs and Service modules build on it):
//
//   SHA256                      streaming hash: init(), update(UnsafeRawBufferPointer | [UInt8] | String),
//                               finalize() -> hex String, finalizeBytes() -> [UInt8],
//                               static hash([UInt8]) -> String, static isHexDigest(String) -> Bool
//
//   DataDirectory(url:)         exclusive lock (<dataDir>/spikeforge.lock) + .store (SQLiteStore) + .blobs
//                               (BlobStore); DataDirectoryError.inUse when another process holds it
//
//   BlobStore(dataDirectory:)   <dataDir>/blobs/ab/cdef…, <dataDir>/tmp (stale temp files removed at init)
//     makeWriter(limit:) -> BlobWriter, url(for:) -> URL?, location(of:) throws -> URL, contains(_:),
//     size(of:), openForReading(_:) -> FileHandle, read(_:) -> Data, put(_ Data, limit:) -> BlobRef,
//     put(contentsOf: URL, limit:) -> BlobRef, remove(_:) -> Bool
//   BlobWriter                  write(UnsafeRawBufferPointer | Data | [UInt8]) throws, commit() throws -> BlobRef,
//                               abort(); head (first 4 KiB), bytesWritten, temporaryURL, limit
//   BlobRef(sha256, size); BlobError.tooLarge(limit:), .invalidDigest, .notFound, .writerClosed, .io
//
//   protocol Store              models, datasets, jobs, job events (see Store.swift); SQLiteStore(path:) /
//                               SQLiteStore(dataDirectory:) implements it (file <dataDir>/spikeforge.sqlite)
//   PostgresStore(url:poolSize:leaseSeconds:replicaID:)  the Store on PostgreSQL (libpq) for several
//                               replicas; also a SharedJobStore: claimNextJob(at:), renewLeases(ids:),
//                               listen(_:) / stopListening() (QueueSignal), replicaID, leaseSeconds
//   protocol BlobStorage        what the service uses of blobs; BlobStore implements it, and
//                               BlobStore(dataDirectory:replica:) is the per-replica view of a shared directory
//   Records                     ModelRecord, DatasetRecord, JobRecord, JobState, JobProgress, JobEvent,
//                               JobFilter, JobFailure(json, message), PageRequest(limit:cursor:),
//                               Page<T>(items, nextCursor), RecordID (mdl_/ds_/job_ IDs, isValid)
//   JSONText                    canonical(_:requireObject:) -> String?, canonical(_: JSONValue) -> String
//   StoreError                  .database, .schemaTooNew, .migrationFailed, .conflict, .invalidCursor,
//                               .invalidJSON, .corruptRow
