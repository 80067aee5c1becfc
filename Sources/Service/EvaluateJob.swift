// Service: the `evaluate` job — accuracy of a model and of the models it was made from (an Akida
// model's quantized parent and float grandparent) on labelled data: an .npz dataset with `x` and
// `y`, or inputs and labels as two datasets.
import Engine
import Foundation
import JSON
import Jobs
import Persistence

/// evaluate: {model_id, dataset_id, labels_dataset_id?, batch_size? (default 256)}
struct EvaluateJob: EngineJob {
    static let kind = "evaluate"
    /// The model first, then its ancestors down to the float model.
    var models: [ModelRecord]
    var dataset: DatasetRecord
    var labels: DatasetRecord?
    var batchSize: Int

    init(_ text: String, _ environment: JobEnvironment) throws {
        let p = try JobParams(
            text, type: "evaluate", allowed: ["model_id", "dataset_id", "labels_dataset_id", "batch_size"])
        var models = [try environment.model(try p.required("model_id"))]
        while let last = models.last, last.kind != ModelKind.float.rawValue, let parent = last.parentModelID,
            models.count < 3
        {
            models.append(try environment.model(parent))
        }
        self.models = models
        dataset = try environment.dataset(try p.required("dataset_id"))
        labels = try p.string("labels_dataset_id").map { try environment.dataset($0) }
        batchSize = try p.int("batch_size", 1...1_000_000) ?? 256
    }

    /// Inputs and labels: two datasets, or one .npz holding `x` and `y`.
    func arrays(_ environment: JobEnvironment) throws -> (x: NDArray, y: NDArray) {
        if let labels {
            return (try EngineJobs.array(dataset, environment), try EngineJobs.array(labels, environment))
        }
        let arrays = try TensorFiles.datasetArrays(contentsOf: try environment.file(dataset.sha256))
        guard let x = arrays.first(where: { $0.name == "x" })?.array,
            let y = arrays.first(where: { $0.name == "y" })?.array
        else {
            throw DatasetError(
                "dataset \(dataset.id) must be an .npz with arrays 'x' (inputs) and 'y' (labels), or give the labels "
                    + "as labels_dataset_id")
        }
        return (x, y)
    }

    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        try context.progress(phase: "loading", done: 0, total: 1)
        let (x, y) = try EngineJobs.run(context) { try arrays(environment) }
        var scores: [[String: Any]] = []
        for (position, record) in models.enumerated() {
            let score = try EngineJobs.run(context) {
                let model = try LoadedModel.load(contentsOf: try environment.file(record.sha256))
                return try Evaluation.score(model, x: x, y: y, batchSize: batchSize) { done, total in
                    try? context.progress(
                        phase: "evaluating \(record.kind)", done: position * total + done, total: models.count * total)
                    return !context.isInterrupted
                }
            }
            var object = try JSONSerialization.jsonObject(with: Data(score.json.serialized().utf8)) as? [String: Any]
            object?["model_id"] = record.id
            scores.append(object ?? [:])
        }
        return try EngineJobs.resultJSON([
            "dataset_id": dataset.id, "labels_dataset_id": labels?.id ?? NSNull(), "representations": scores,
        ])
    }
}
