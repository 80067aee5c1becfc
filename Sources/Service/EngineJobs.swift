// Service: the engine's job kinds — `quantize` (float model → quantized model), `calibrate`
// (quantized model + its float parent → recalibrated model), `convert` (quantized → Akida .fbz)
// and `infer` (a stored dataset through any model → a new dataset). Parameters are checked at
// submission (422) and again when the job runs; results name the records the job created.
import Engine
import Foundation
import JSON
import Jobs
import Persistence

/// A job kind: its parameters are checked by `init` at submission and again when it runs.
protocol EngineJob {
    static var kind: String { get }
    init(_ paramsJSON: String, _ environment: JobEnvironment) throws
    /// Runs the job; returns its result as JSON text.
    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String
}

enum EngineJobs {
    /// The engine's job kinds, one type each.
    static let kinds: [EngineJob.Type] = [
        QuantizeJob.self, CalibrateJob.self, ConvertJob.self, InferJob.self, ReportJob.self, EvaluateJob.self,
    ]

    static func register(on service: Service) {
        for job in kinds {
            service.register(
                kind: job.kind, validate: { _ = try job.init($0, $1) },
                handler: { context, environment in
                    try job.init(context.paramsJSON, environment).run(context, environment)
                })
        }
    }

    static func requireKind(_ model: ModelRecord, _ kind: ModelKind, _ params: JobParams, _ hint: String) throws {
        guard model.kind == kind.rawValue else {
            throw params.invalid(
                "model \(model.id) is a \(model.kind) model; \(params.type) needs a \(kind) model (\(hint))")
        }
    }

    /// The first array of a stored .npy/.npz dataset.
    static func array(_ dataset: DatasetRecord, _ environment: JobEnvironment) throws -> NDArray {
        try TensorFiles.firstArray(contentsOf: try environment.file(dataset.sha256), subject: "dataset \(dataset.id)")
    }

    /// Engine failures as job problems, through the same mapper as the synchronous routes.
    static func run<T>(_ context: JobContext, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let interrupted as JobInterrupted {
            throw interrupted
        } catch {
            try context.checkpoint()  // a cancelled calibration ends in an engine error: report the cancel
            throw ServiceProblems.job(error)
        }
    }

    static func resultJSON(_ object: [String: Any]) throws -> String {
        JSONText.canonical(try JSONValue(foundation: object))
    }

    static func baseName(_ name: String) -> String { (name as NSString).deletingPathExtension }

    /// What the job writes into its artifact: its type and parameters, the parent and dataset blobs.
    static func provenance(_ context: JobContext, parent: ModelRecord, dataset: DatasetRecord?) throws -> Provenance {
        Provenance(
            operation: context.type, parameters: try JSONValue(parsing: context.paramsJSON),
            parentSHA256: parent.sha256, datasetSHA256: dataset?.sha256)
    }

    /// The body of `quantize` and `calibrate`: runs `operation` and stores its model as a child of
    /// `parent`.
    static func quantizeRun(
        _ context: JobContext, _ environment: JobEnvironment, name: String, parent: ModelRecord,
        dataset: DatasetRecord?, _ operation: () throws -> QuantizeOutcome
    ) throws -> String {
        try context.progress(phase: "loading", done: 0, total: 1)
        let outcome = try run(context, operation)
        try context.checkpoint()
        let file = environment.scratchFile(suffix: ".h5")
        defer { try? FileManager.default.removeItem(at: file) }
        try outcome.save(to: file, provenance: try provenance(context, parent: parent, dataset: dataset))
        let record = try environment.storeModel(
            contentsOf: file, name: name, format: ModelFormat.h5.rawValue, kind: ModelKind.quantized.rawValue,
            descriptionJSON: outcome.info.json, parent: parent.id, sourceJob: context.id)
        return try resultJSON([
            "model_id": record.id, "warnings": outcome.warnings, "notes": outcome.notes,
            "fully_quantized": outcome.fullyQuantized,
            "calibration_qa": try JSONSerialization.jsonObject(
                with: Data(outcome.calibrationQA.json.serialized(pretty: false).utf8)),
        ])
    }
}

/// quantize: {model_id, qparams?, q_config?, dataset_id?, num_samples?, batch_size?, epochs?, seed?, name?}
struct QuantizeJob: EngineJob {
    static let kind = "quantize"
    var model: ModelRecord
    var qparams: JSONValue?
    var qConfig: JSONValue?
    var calibration: CalibrationParams
    var name: String

    init(_ text: String, _ environment: JobEnvironment) throws {
        let allowed = ["model_id", "qparams", "q_config", "name"] + CalibrationParams.keys
        let p = try JobParams(text, type: "quantize", allowed: allowed)
        model = try environment.model(try p.required("model_id"))
        try EngineJobs.requireKind(
            model, .float, p, "quantize float models; recalibrate quantized ones with a 'calibrate' job")
        qparams = try p.qparams(try p.jsonObject("qparams"))
        qConfig = try p.jsonObject("q_config")
        if let qConfig { try p.qConfig(qConfig, floatAt: try environment.file(model.sha256)) }
        calibration = try CalibrationParams(p, environment, model: model)
        name = try p.name() ?? EngineJobs.baseName(model.name) + "-quantized.h5"
    }

    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        try EngineJobs.quantizeRun(context, environment, name: name, parent: model, dataset: calibration.dataset) {
            let request = QuantizeRequest(
                qparams: qparams, qConfig: qConfig, calibration: try calibration.request(context, environment))
            return try ModelOperations.quantize(floatAt: try environment.file(model.sha256), request: request)
        }
    }
}

/// calibrate: {model_id (quantized), float_model_id? (default: its parent), dataset_id?, qparams?
/// (default: those of the job that made it), num_samples?, batch_size?, epochs?, seed?, name?}
struct CalibrateJob: EngineJob {
    static let kind = "calibrate"
    var model: ModelRecord
    var float: ModelRecord
    var qparams: JSONValue?
    var calibration: CalibrationParams
    var name: String

    init(_ text: String, _ environment: JobEnvironment) throws {
        let allowed = ["model_id", "float_model_id", "qparams", "name"] + CalibrationParams.keys
        let p = try JobParams(text, type: "calibrate", allowed: allowed)
        model = try environment.model(try p.required("model_id"))
        try EngineJobs.requireKind(model, .quantized, p, "quantize a float model first")
        guard let floatID = try p.string("float_model_id") ?? model.parentModelID else {
            throw p.invalid("model \(model.id) has no parent float model: give float_model_id")
        }
        float = try environment.model(floatID)
        try EngineJobs.requireKind(
            float, .float, p, "float_model_id must name the float model the quantized model came from")
        var qparams = try p.jsonObject("qparams")
        if qparams == nil, let source = model.sourceJobID, let job = try environment.store.job(id: source),
            let original = try? JSONValue(parsing: job.paramsJSON)
        {
            qparams = original["qparams"].flatMap { $0.isNull ? nil : $0 }
        }
        self.qparams = try p.qparams(qparams)
        calibration = try CalibrationParams(p, environment, model: float)
        name = try p.name() ?? EngineJobs.baseName(model.name) + "-calibrated.h5"
    }

    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        try EngineJobs.quantizeRun(context, environment, name: name, parent: model, dataset: calibration.dataset) {
            let request = QuantizeRequest(qparams: qparams, calibration: try calibration.request(context, environment))
            return try ModelOperations.calibrate(
                quantizedAt: try environment.file(model.sha256), floatAt: try environment.file(float.sha256),
                request: request)
        }
    }
}

/// convert: {model_id (quantized), akida_version? "v1"|"v2" (default v2), name?}
struct ConvertJob: EngineJob {
    static let kind = "convert"
    var model: ModelRecord
    var target: AkidaTarget
    var name: String

    init(_ text: String, _ environment: JobEnvironment) throws {
        let p = try JobParams(text, type: "convert", allowed: ["model_id", "akida_version", "name"])
        model = try environment.model(try p.required("model_id"))
        try EngineJobs.requireKind(model, .quantized, p, "quantize the float model first with a 'quantize' job")
        let version = try p.string("akida_version") ?? "v2"
        guard let target = AkidaTarget(argument: version) else {
            throw p.invalid("akida_version must be v1 or v2, got '\(version)'")
        }
        self.target = target
        name = try p.name() ?? EngineJobs.baseName(model.name) + "-akida-\(target.rawValue).fbz"
    }

    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        try context.progress(phase: "converting", done: 0, total: 1)
        let output = try EngineJobs.run(context) {
            try ModelOperations.convert(quantizedAt: try environment.file(model.sha256), target: target)
        }
        try context.checkpoint()
        let record = try environment.storeModel(
            Data(try output.fbz(provenance: try EngineJobs.provenance(context, parent: model, dataset: nil))),
            name: name, format: ModelFormat.fbz.rawValue, kind: ModelKind.akida.rawValue,
            descriptionJSON: output.info.json, parent: model.id, sourceJob: context.id)
        try context.progress(phase: "converting", done: 1, total: 1)
        return try EngineJobs.resultJSON([
            "model_id": record.id, "akida_version": target.rawValue, "warnings": output.warnings,
        ])
    }
}

/// infer: {model_id, dataset_id, batch_size? (default 64, at most what the memory budget allows),
/// name?} → outputs stored as a dataset (.npy for one output, .npz for several). The dataset is
/// read one batch at a time and each batch's outputs are appended to the output file before the
/// next batch is read: the job holds one batch, never the outputs of the whole dataset.
struct InferJob: EngineJob {
    static let kind = "infer"
    var model: ModelRecord
    var dataset: DatasetRecord
    var batchSize: Int
    var name: String?

    init(_ text: String, _ environment: JobEnvironment) throws {
        let p = try JobParams(text, type: "infer", allowed: ["model_id", "dataset_id", "batch_size", "name"])
        model = try environment.model(try p.required("model_id"))
        dataset = try environment.dataset(try p.required("dataset_id"))
        try p.requireFit(dataset, model)
        // The outputs go to disk batch by batch: besides the batch, only the writer's buffers are held.
        let outputs = (try? ModelInfo(json: model.descriptionJSON))?.outputs.count ?? 1
        let budget = BatchBudget(
            model: model, sampleShape: Array(dataset.shape.dropFirst()), budgetBytes: environment.memoryBudgetBytes,
            heldBytes: TensorFiles.RowWriter.heldBytes(outputs: outputs))
        batchSize = try p.batchSize(budget, preferred: 64)
        name = try p.name()
    }

    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        try context.progress(phase: "loading", done: 0, total: 1)
        let loaded = try EngineJobs.run(context) {
            try LoadedModel.load(contentsOf: try environment.file(model.sha256))
        }
        // Opened at the first batch, which tells how many outputs there are and their dtypes.
        var output: (file: URL, writer: TensorFiles.RowWriter)?
        defer { if let output { try? FileManager.default.removeItem(at: output.file) } }
        var layouts: [(name: String, dtype: String, rowShape: [Int])] = []
        var rows = 0
        try context.progress(phase: "inference", done: 0, total: dataset.shape.first ?? 0)
        try TensorFiles.forEachBatch(contentsOf: try environment.file(dataset.sha256), rows: batchSize) {
            batch, total in
            let result = try EngineJobs.run(context) {
                try loaded.predict(try DescribedInputs.conform([batch], model))
            }
            try EngineJobs.run(context) {
                if output == nil {
                    let file = environment.scratchFile(suffix: result.outputs.count > 1 ? ".npz" : ".npy")
                    let names = result.outputs.map(\.name)
                    output = (file, try TensorFiles.RowWriter(creating: file, names: names, rows: total))
                    layouts = result.outputs.map {
                        ($0.name, $0.array.dtype.rawValue, Array($0.array.shape.dropFirst()))
                    }
                }
                try output?.writer.append(result.outputs.map(\.array))
            }
            rows += batch.shape.first ?? 1
            try context.progress(phase: "inference", done: rows, total: total)
        }
        guard let output else {
            throw ServiceProblems.job(DatasetError("dataset \(dataset.id) holds no rows: there is nothing to infer"))
        }
        try EngineJobs.run(context) { try output.writer.finish() }
        let several = layouts.count > 1
        let record = try environment.storeDataset(
            contentsOf: output.file,
            name: name ?? EngineJobs.baseName(dataset.name) + "-outputs" + (several ? ".npz" : ".npy"))
        let shapes = layouts.map {
            ["name": $0.name, "shape": [rows] + $0.rowShape, "dtype": $0.dtype] as [String: Any]
        }
        return try EngineJobs.resultJSON([
            "dataset_id": record.id, "model_id": model.id, "rows": rows, "outputs": shapes,
        ])
    }
}
