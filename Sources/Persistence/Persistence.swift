// Persistence: the SQLite store (models, datasets, jobs, events), the content-addressed blob store
// and the durable job engine. docs/storage.md describes the schema, data directory and guarantees.
//
// Public API (stable; the HTTP/Service layer builds on it):
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
//   BlobRef(sha256, size); BlobError.tooLarge(limit:) → HTTP 413, .invalidDigest, .notFound, .writerClosed, .io
//
//   protocol Store              models, datasets, jobs, job events (see Store.swift); SQLiteStore(path:) /
//                               SQLiteStore(dataDirectory:) implements it (file <dataDir>/spikeforge.sqlite)
//   Records                     ModelRecord, DatasetRecord, JobRecord, JobState, JobProgress, JobEvent,
//                               JobFilter, PageRequest(limit:cursor:), Page<T>(items, nextCursor),
//                               RecordID (mdl_/ds_/job_ IDs, isValid), Problem (RFC 9457), ProblemConvertible
//   StoreError                  .database, .schemaTooNew, .migrationFailed, .conflict, .invalidCursor (→ 400),
//                               .invalidJSON (→ 422), .corruptRow
//
//   JobQueue(store:configuration:)   register(type:handler:), start() -> RecoveryReport,
//     submit(type:paramsJSON:idempotencyKey:) -> SubmitResult(job, created), cancel(id:) -> JobRecord,
//     shutdown(timeout:) -> Bool, waitUntilIdle(timeout:) -> Bool, metrics() -> JobMetrics,
//     isAccepting, registeredTypes, static problem(for:jobType:) -> Problem
//   JobHandler = (JobContext) throws -> String (JSON result)
//   JobContext                  job, id, type, paramsJSON, attempt, progress(phase:done:total:) throws,
//                               checkpoint() throws, log(_:kind:), isInterrupted
//   JobInterrupted(reason: .cancelled | .shutdown)   thrown at progress points; let it propagate
//   JobError                    .unknownType (→ 422), .invalidParams (→ 422), .invalidIdempotencyKey (→ 400),
//                               .idempotencyKeyReused (→ 422), .notFound (→ 404), .alreadyFinished (→ 409),
//                               .shuttingDown (→ 503)
