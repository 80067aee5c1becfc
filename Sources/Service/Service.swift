// Service: the SpikeForge HTTP application — wires the store, blob store, job queue and HTTP server,
// owns start-up and graceful shutdown, and is where engine modules plug in job kinds
// (`register(kind:…)`) and model describers (`describeModels(format:…)`).
import Dispatch
import Engine
import Foundation
import HTTPServer
import Jobs
import Persistence

/// What a job handler may use besides its `JobContext`: the stores and record helpers.
public struct JobEnvironment {
    public let store: Store
    public let blobs: BlobStorage
    /// `worker_memory_budget_bytes`: what one job's batch may occupy.
    public var memoryBudgetBytes = ServiceConfiguration().workerMemoryBudgetBytes

    /// The model `id`; a 422 problem naming the id when it does not exist.
    public func model(_ id: String) throws -> ModelRecord {
        guard RecordID.isValid(id, prefix: RecordID.modelPrefix), let model = try store.model(id: id) else {
            throw ServiceProblems.missingReference("model", id)
        }
        return model
    }

    public func dataset(_ id: String) throws -> DatasetRecord {
        guard RecordID.isValid(id, prefix: RecordID.datasetPrefix), let dataset = try store.dataset(id: id) else {
            throw ServiceProblems.missingReference("dataset", id)
        }
        return dataset
    }

    /// The file holding a blob (read-only; blobs are immutable).
    public func file(_ sha256: String) throws -> URL {
        guard let url = blobs.url(for: sha256) else { throw BlobError.notFound(sha256: sha256) }
        return url
    }

    /// Stores bytes a job produced (e.g. a converted .fbz) as a new model derived from `parent`.
    public func storeModel(
        _ data: Data, name: String, format: String, kind: String, descriptionJSON: String = "{}",
        parent: String?, sourceJob: String?
    ) throws -> ModelRecord {
        try insertModel(
            try blobs.put(data), name: name, format: format, kind: kind,
            descriptionJSON: descriptionJSON, parent: parent, sourceJob: sourceJob)
    }

    /// Same for a file the job wrote (see `scratchFile`); the file is copied into the blob store.
    public func storeModel(
        contentsOf file: URL, name: String, format: String, kind: String, descriptionJSON: String = "{}",
        parent: String?, sourceJob: String?
    ) throws -> ModelRecord {
        try insertModel(
            try blobs.put(contentsOf: file), name: name, format: format, kind: kind,
            descriptionJSON: descriptionJSON, parent: parent, sourceJob: sourceJob)
    }

    private func insertModel(
        _ ref: BlobRef, name: String, format: String, kind: String, descriptionJSON: String,
        parent: String?, sourceJob: String?
    ) throws -> ModelRecord {
        try store.insertModel(
            ModelRecord(
                name: name, format: format, kind: kind, sha256: ref.sha256, size: ref.size,
                descriptionJSON: descriptionJSON, parentModelID: parent, sourceJobID: sourceJob))
    }

    /// Stores a .npy/.npz a job wrote (e.g. inference outputs) as a dataset, validated like an upload.
    public func storeDataset(contentsOf file: URL, name: String) throws -> DatasetRecord {
        let handle = try FileHandle(forReadingFrom: file)
        let head = [UInt8](handle.readData(ofLength: BlobWriter.headCapacity))
        try handle.close()
        let size = Int64(
            (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0)
        let summary: TensorFileSummary
        do {
            summary = try TensorFiles.inspect(
                head: head, file: file, size: size, maxInflatedBytes: Int.max, maxInflationRatio: Int.max)
        } catch {
            throw ServiceProblems.http(error)
        }
        let ref = try blobs.put(contentsOf: file)
        return try store.insertDataset(
            DatasetRecord(
                name: name, dtype: summary.dtype, shape: summary.shape,
                sha256: ref.sha256, size: ref.size))
    }

    /// A fresh path in the data directory's temp area for a job's intermediate files; whatever a
    /// crashed job leaves there is removed at the next start.
    public func scratchFile(suffix: String) -> URL {
        blobs.temporaryDirectory.appendingPathComponent("job-\(UUID().uuidString)\(suffix)")
    }
}

/// An uploaded model file before it enters the store, as a describer sees it.
public struct ModelUpload {
    public let file: URL
    public let format: ModelFormat
    public let name: String
    public let size: Int64
}

/// What a describer learnt about a model: its kind and a JSON object (layers, input shape, …).
public struct ModelDescription {
    public var kind: ModelKind
    public var descriptionJSON: String
    public init(kind: ModelKind, descriptionJSON: String) {
        self.kind = kind
        self.descriptionJSON = descriptionJSON
    }
}

/// Inspects an uploaded model; throw a problem (or `ProblemConvertible`) to refuse it with 422.
public typealias ModelDescriber = (ModelUpload) throws -> ModelDescription

/// A job kind: optional early validation of `params` (at POST time, → 422) and the handler.
struct JobKind {
    let validate: ((String, JobEnvironment) throws -> Void)?
}

public final class Service {
    public let configuration: ServiceConfiguration
    /// SQLite mode: held for the service's lifetime (one server per data directory); nil in
    /// PostgreSQL mode, where replicas share the directory's blobs.
    public let dataDirectory: DataDirectory?
    public let store: Store
    public let blobs: BlobStorage
    public let jobs: JobQueue
    public let router = Router()
    public var environment: JobEnvironment {
        JobEnvironment(store: store, blobs: blobs, memoryBudgetBytes: configuration.workerMemoryBudgetBytes)
    }
    /// The listening port once started (useful with port 0).
    public var port: Int { server?.port ?? configuration.port }

    let metrics = RequestMetrics()
    let datasetMembers = DatasetMembers()
    let statusPage: [UInt8]
    private(set) var server: HTTPServer?
    private let lock = NSLock()
    private var kinds: [String: JobKind] = [:]
    private var describers: [ModelFormat: ModelDescriber] = [:]
    private var stopping = false
    let log: (String) -> Void = {
        FileHandle.standardError.write(Data(("spikeforge: " + LogText.escape(message: $0) + "\n").utf8))
    }

    public init(configuration: ServiceConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        (dataDirectory, store, blobs) = try Self.openStorage(configuration)
        let logger = log
        jobs = JobQueue(
            store: store,
            configuration: JobQueue.Configuration(
                workers: configuration.workers, maxAttempts: configuration.jobMaxAttempts, logger: { logger($0) }))
        statusPage = StatusPage.load()
        registerRoutes()
        ChecksumJob.register(on: self)
        EngineJobs.register(on: self)
        ModelImport.register(on: self)
        registerEngineRoutes()
        registerReportRoutes()
    }

    /// Adds a job kind. `validate` runs when the job is submitted (throw to refuse with 422);
    /// `handler` runs on a worker and returns the result as JSON text.
    public func register(
        kind: String, validate: ((String, JobEnvironment) throws -> Void)? = nil,
        handler: @escaping (JobContext, JobEnvironment) throws -> String
    ) {
        let environment = self.environment
        lock.lock()
        kinds[kind] = JobKind(validate: validate)
        lock.unlock()
        jobs.register(type: kind) { context in try handler(context, environment) }
    }

    /// Inspects uploads of `format` before they are stored (the model-import issue plugs in here).
    public func describeModels(format: ModelFormat, with describer: @escaping ModelDescriber) {
        lock.lock(); defer { lock.unlock() }
        describers[format] = describer
    }

    func describer(for format: ModelFormat) -> ModelDescriber? {
        lock.lock(); defer { lock.unlock() }
        return describers[format]
    }

    func kind(_ name: String) -> JobKind? {
        lock.lock(); defer { lock.unlock() }
        return kinds[name]
    }

    public var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

    /// Recovers interrupted jobs, starts the workers, then listens.
    public func start() throws {
        let report = try jobs.start()
        if !report.requeued.isEmpty { log("recovered \(report.requeued.count) interrupted job(s)") }
        let options = ServerOptions(
            host: configuration.host, port: configuration.port, threads: configuration.httpThreads,
            connectionLimit: configuration.connectionLimit,
            perIPConnectionLimit: configuration.perIPConnectionLimit,
            connectionTimeout: configuration.connectionTimeoutSeconds,
            maxBodyBytes: configuration.maxJSONBodyBytes, headerTimeout: configuration.headerTimeoutSeconds)
        let server = HTTPServer(options: options, router: router)
        if !configuration.accessLog { server.accessLog = nil }
        let metrics = self.metrics
        server.onRequestCompleted = { metrics.record($0) }
        try server.start()
        self.server = server
        log(
            "listening on http://\(configuration.host):\(server.port) (data in \(configuration.dataDir), "
                + "\(configuration.workers) workers, auth \(configuration.authTokens.isEmpty ? "off" : "on"))"
        )
    }

    /// Graceful stop: no new connections, in-flight requests finish, running jobs stop at their next
    /// progress point and return to `queued`.
    public func stop() {
        lock.lock()
        let first = !stopping
        stopping = true
        lock.unlock()
        guard first else { return }
        let timeout = TimeInterval(configuration.shutdownTimeoutSeconds)
        server?.stop(drainTimeout: timeout)
        if !jobs.shutdown(timeout: timeout) {
            log(
                "some jobs did not reach a safe point within \(Int(timeout)) s; they will be recovered at the "
                    + "next start"
            )
        }
        log("stopped")
    }

    /// `spikeforge serve`: runs until SIGTERM or SIGINT, then stops gracefully.
    public func runUntilSignalled() throws {
        try start()
        let stopSignal = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stopSignal.signal() }
            source.resume()
            sources.append(source)
        }
        stopSignal.wait()
        log("signal received; shutting down")
        stop()
        sources.forEach { $0.cancel() }
    }
}
