// Service: the `report` job — the engine's model report (per-layer error from float to quantized to
// Akida) on a stored dataset — and how its three models and its samples are found from one model
// id: a quantized model's float parent, an Akida model's quantized parent and float grandparent,
// and by default the dataset the quantized model was calibrated with.
import Engine
import Foundation
import JSON
import Jobs
import Persistence

/// report: {model_id (quantized or Akida), float_model_id?, akida_model_id?, dataset_id?, max_samples?}
struct ReportJob: EngineJob {
    static let kind = "report"
    static let keys = ["model_id", "float_model_id", "akida_model_id", "dataset_id", "max_samples"]
    static let defaultMaxSamples = 512
    var float: ModelRecord
    var quantized: ModelRecord
    var akida: ModelRecord?
    var dataset: DatasetRecord
    var maxSamples: Int

    init(_ text: String, _ environment: JobEnvironment) throws {
        let p = try JobParams(text, type: "report", allowed: ReportJob.keys)
        let model = try environment.model(try p.required("model_id"))
        switch model.kind {
        case ModelKind.quantized.rawValue:
            quantized = model
            akida = try p.string("akida_model_id").map { try environment.model($0) }
        case ModelKind.akida.rawValue:
            akida = model
            guard let parent = model.parentModelID else {
                throw p.invalid("Akida model \(model.id) was not converted here: report on its quantized model")
            }
            quantized = try environment.model(parent)
        default:
            throw p.invalid(
                "model \(model.id) is a \(model.kind) model; the report compares a quantized or Akida model with the "
                    + "float model it came from (quantize it first)")
        }
        try EngineJobs.requireKind(quantized, .quantized, p, "the report needs the quantized model")
        if let akida { try EngineJobs.requireKind(akida, .akida, p, "akida_model_id must name an Akida model") }
        guard let floatID = try p.string("float_model_id") ?? quantized.parentModelID else {
            throw p.invalid("model \(quantized.id) has no parent float model: give float_model_id")
        }
        float = try environment.model(floatID)
        try EngineJobs.requireKind(float, .float, p, "float_model_id must name the float model")
        let datasetID = try p.string("dataset_id") ?? ReportJob.calibrationDataset(of: quantized, environment)
        guard let datasetID else {
            throw p.invalid(
                "no samples: model \(quantized.id) was calibrated on random samples (or elsewhere); give dataset_id")
        }
        dataset = try environment.dataset(datasetID)
        maxSamples = try p.int("max_samples", 1...100_000) ?? ReportJob.defaultMaxSamples
    }

    /// The dataset of the quantize/calibrate job that made `model`, when it named one.
    static func calibrationDataset(of model: ModelRecord, _ environment: JobEnvironment) throws -> String? {
        guard let source = model.sourceJobID, let job = try environment.store.job(id: source),
            let params = try? JSONValue(parsing: job.paramsJSON)
        else { return nil }
        return params["dataset_id"]?.string
    }

    /// Rows × values per row the report runs on (what decides between a synchronous answer and a job).
    var workSize: Int {
        min(dataset.shape.first ?? 0, maxSamples) * dataset.shape.dropFirst().reduce(1, *)
    }

    /// Identifies the report by content: the same blobs and limits give the same report.
    var contentKey: String {
        var hash = SHA256()
        let blobs = [float.sha256, quantized.sha256, akida?.sha256 ?? "-", dataset.sha256]
        hash.update("report-v1|\(blobs.joined(separator: "|"))|\(maxSamples)|\(float.id)|\(quantized.id)|")
        hash.update("\(akida?.id ?? "-")|\(dataset.id)")
        return "report-" + hash.finalize()
    }

    var paramsObject: [String: Any] {
        var params: [String: Any] = [
            "model_id": quantized.id, "float_model_id": float.id, "dataset_id": dataset.id, "max_samples": maxSamples,
        ]
        if let akida { params["akida_model_id"] = akida.id }
        return params
    }

    func compute(_ environment: JobEnvironment) throws -> [String: Any] {
        let report = try ModelReport.build(
            floatAt: try environment.file(float.sha256), quantizedAt: try environment.file(quantized.sha256),
            akidaAt: try akida.map { try environment.file($0.sha256) },
            samples: try EngineJobs.array(dataset, environment), maxSamples: maxSamples)
        let body = try JSONSerialization.jsonObject(with: Data(report.json.serialized(pretty: false).utf8))
        return [
            "float_model_id": float.id, "quantized_model_id": quantized.id, "akida_model_id": akida?.id ?? NSNull(),
            "dataset_id": dataset.id, "report": body,
        ]
    }

    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        try context.progress(phase: "report", done: 0, total: 1)
        let result = try EngineJobs.run(context) { try compute(environment) }
        try context.progress(phase: "report", done: 1, total: 1)
        return try EngineJobs.resultJSON(result)
    }
}
