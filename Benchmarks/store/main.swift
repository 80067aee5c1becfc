// Benchmarks/store: throughput of the Persistence layer on the local disk — durable job submits,
// concurrent reads, no-op job round trips through the worker pool, and streamed blob writes.
// Built by scripts/bench-store.sh, which compiles the Persistence sources into this executable.
import Foundation

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let base = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? NSTemporaryDirectory())
    .appendingPathComponent("spikeforge-bench-\(getpid())")
defer { try? FileManager.default.removeItem(at: base) }
let data = try DataDirectory(url: base)
let store = data.store

// 1. Durable submits (each one a committed, fsynced transaction), from 8 threads.
let queue = JobQueue(store: store, configuration: .init(workers: 2, progressInterval: 0.25, logger: { _ in }))
queue.register(type: "noop") { ctx in
    try ctx.progress(phase: "run", done: 1, total: 1)
    return "{}"
}
let submits = 2000
var ids = [String](repeating: "", count: submits)
let idLock = NSLock()
let submitTime = seconds {
    DispatchQueue.concurrentPerform(iterations: 8) { t in
        for i in stride(from: t, to: submits, by: 8) {
            if let r = try? queue.submit(type: "noop", paramsJSON: #"{"i": \#(i)}"#) {
                idLock.lock(); ids[i] = r.job.id; idLock.unlock()
            }
        }
    }
}
print(String(format: "submit (durable insert, 8 threads): %d in %.2f s = %.0f jobs/s", submits, submitTime, Double(submits) / submitTime))

// 2. Concurrent point reads (GET /v1/jobs/{id}).
let reads = 40_000
let readTime = seconds {
    DispatchQueue.concurrentPerform(iterations: 8) { t in
        for i in stride(from: t, to: reads, by: 8) { _ = try? store.job(id: ids[i % submits]) }
    }
}
print(String(format: "job(id:) reads (8 threads): %d in %.2f s = %.0f reads/s", reads, readTime, Double(reads) / readTime))

// 3. Pages of 50 (GET /v1/jobs?state=queued).
let pageTime = try seconds { for _ in 0..<500 { _ = try store.listJobs(JobFilter(state: .queued), PageRequest(limit: 50)) } }
print(String(format: "listJobs page of 50: %.2f ms", pageTime / 500 * 1000))

// 4. Run them all: claim → progress → finish, two workers.
let runTime = seconds {
    _ = try? queue.start()
    _ = queue.waitUntilIdle(timeout: 600)
}
print(String(format: "no-op jobs run end to end (2 workers): %d in %.2f s = %.0f jobs/s", submits, runTime, Double(submits) / runTime))
queue.shutdown()

// 5. Streamed blob write of 512 MiB in 64 KiB chunks (hash + write + fsync + rename).
let chunk = [UInt8]((0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 7) })
let blobMiB = 512
var ref: BlobRef?
let blobTime = try seconds {
    let writer = try data.blobs.makeWriter()
    for _ in 0..<(blobMiB * 16) { try writer.write(chunk) }
    ref = try writer.commit()
}
print(String(format: "BlobWriter: %d MiB in %.2f s = %.0f MiB/s (%@)", blobMiB, blobTime, Double(blobMiB) / blobTime, ref?.sha256 ?? "?"))
