// Service: the rules a job or predict request meets, from the model's stored description — batches
// sized from `worker_memory_budget_bytes` (a larger `batch_size` is refused with the limit), a
// dataset whose samples do not fit the model's input refused at submission with both shapes as
// numbers, and inputs held to the dtypes the description lists (the one rule of `InputDType`).
import Engine
import Foundation
import Jobs
import Persistence

/// How many samples of a dataset may run through a model at once within the memory budget.
struct BatchBudget {
    /// Bytes one sample needs in the model, from its description; for a model stored without one,
    /// the dataset's sample at 8 bytes a value, times 16 for the activations behind it.
    let bytesPerSample: Int
    let budgetBytes: Int
    /// Bytes held whatever the batch size (an infer job's output writer), taken from the budget first.
    let heldBytes: Int
    var maxBatch: Int { max(1, (budgetBytes - heldBytes) / bytesPerSample) }

    init(model: ModelRecord, sampleShape: [Int], budgetBytes: Int, heldBytes: Int = 0) {
        if let info = try? ModelInfo(json: model.descriptionJSON), !info.layers.isEmpty {
            bytesPerSample = info.bytesPerSample
        } else {
            bytesPerSample = max(1, sampleShape.reduce(1, *)) * 8 * 16
        }
        self.budgetBytes = budgetBytes
        self.heldBytes = heldBytes
    }

    /// The refusal for a batch of `rows` samples above `maxBatch`: what it would need and the limit.
    func refusal(rows: Int, what: String) -> String {
        "\(what) \(rows) needs about \(Self.mebibytes(rows * bytesPerSample)) with this model "
            + "(\(Self.mebibytes(bytesPerSample)) a sample); worker_memory_budget_bytes = \(budgetBytes) "
            + (heldBytes > 0 ? "less the \(Self.mebibytes(heldBytes)) the output writer holds " : "")
            + "allows at most \(maxBatch)"
    }

    static func mebibytes(_ bytes: Int) -> String { String(format: "%.2f MiB", Double(bytes) / 1_048_576) }
}

extension JobParams {
    /// `batch_size` checked against the memory budget (422 naming the limit when above it);
    /// absent, the smaller of `preferred` and the budget's batch.
    func batchSize(_ budget: BatchBudget, preferred: Int) throws -> Int {
        guard let requested = try int("batch_size", 1...1_000_000) else { return min(preferred, budget.maxBatch) }
        guard requested <= budget.maxBatch else {
            var problem = invalid(budget.refusal(rows: requested, what: "batch_size"))
            problem.extensions = ["parameter": "batch_size", "limit": String(budget.maxBatch)]
            throw problem
        }
        return requested
    }

    /// Refuses (422, an invalid-input problem like predict's) a dataset whose samples do not fit the
    /// model's input.
    func requireFit(_ dataset: DatasetRecord, _ model: ModelRecord) throws {
        guard let info = try? ModelInfo(json: model.descriptionJSON),
            let mismatch = info.sampleShapeMismatch(Array(dataset.shape.dropFirst()))
        else { return }
        // The same problem as predict gives for a body of the wrong shape.
        var problem = ServiceProblems.problem(
            EngineError.badInput(
                "dataset \(dataset.id) (shape \(dataset.shape)) does not fit model \(model.id): its \(mismatch)"))
        problem.extensions["parameter"] = "dataset_id"
        throw problem
    }
}

/// Inputs in the dtypes the model's description lists, for predict and infer alike.
enum DescribedInputs {
    static func conform(_ arrays: [NDArray], _ model: ModelRecord) throws -> [NDArray] {
        guard let info = try? ModelInfo(json: model.descriptionJSON), info.inputs.count == arrays.count else {
            return arrays
        }
        return try zip(arrays, info.inputs).map { try InputDType.conform($0, to: $1.dtype, input: $1.name) }
    }
}
