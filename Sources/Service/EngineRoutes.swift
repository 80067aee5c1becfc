// Service: the model routes backed by the engine — summary, q_config, downloads in the model's
// formats, compatibility check and synchronous prediction (bodies up to `max_predict_bytes`; bigger
// batches go through an `infer` job). Loaded models are cached by content hash, with the state of
// stateful models (`?reset_state=true` on predict starts it over).
import Engine
import Foundation
import HTTPServer
import JSON
import Persistence

/// A few recently used models, kept loaded for predict (keyed by blob sha256, so never stale).
final class LoadedModelCache {
    private let lock = NSLock()
    private var entries: [(sha256: String, model: LoadedModel)] = []
    private let capacity: Int

    init(capacity: Int = 4) { self.capacity = capacity }

    func model(_ sha256: String, load: () throws -> LoadedModel) throws -> LoadedModel {
        lock.lock()
        if let index = entries.firstIndex(where: { $0.sha256 == sha256 }) {
            let entry = entries.remove(at: index)
            entries.append(entry)
            lock.unlock()
            return entry.model
        }
        lock.unlock()
        let model = try load()
        lock.lock(); defer { lock.unlock() }
        entries.removeAll { $0.sha256 == sha256 }
        entries.append((sha256, model))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        return model
    }
}

extension Service {
    /// Order of checks on these model routes: the id (404), whether the operation applies to the
    /// model's kind (409), the query parameters (400), then the body (413, 422).
    func registerEngineRoutes() {
        let cache = LoadedModelCache()
        router.add(
            .GET, "/v1/models/{id}/summary",
            engineMapped { [unowned self] request in
                let model = try model(request)
                let format = request.query["format"] ?? "text"
                guard ["json", "text"].contains(format) else {
                    throw ServiceProblems.badQuery("format must be text or json, got '\(format)'")
                }
                let document = try ModelDocument.read(contentsOf: try environment.file(model.sha256))
                return format == "json"
                    ? .text(document.summaryJSON, contentType: "application/json") : .text(document.summaryText)
            })
        router.add(
            .GET, "/v1/models/{id}/config",
            engineMapped { [unowned self] request in
                let model = try model(request)
                try Service.require(
                    model, .quantized, "only quantized models have a q_config; quantize it first (a 'quantize' job)")
                let config = try ModelOperations.qConfig(at: try environment.file(model.sha256))
                return .text(config.serialized(pretty: true), contentType: "application/json")
            })
        router.add(
            .POST, "/v1/models/{id}/check",
            engineMapped { [unowned self] request in
                let model = try model(request)
                try Service.require(model, .quantized, "only quantized models can be checked for conversion")
                let target = try akidaTarget(request.query["akida_version"])
                let report = try ModelOperations.check(quantizedAt: try environment.file(model.sha256), target: target)
                return .text(report.json, contentType: "application/json")
            })
        router.add(
            .POST, "/v1/models/{id}/predict", maxBody: configuration.maxPredictBytes,
            tooLargeAdvice: Service.predictToInfer,
            engineMapped { [unowned self] request in
                let model = try model(request)
                let reset: Bool
                switch request.query["reset_state"] ?? "false" {
                case "true", "1": reset = true
                case "false", "0": reset = false
                case let other: throw ServiceProblems.badQuery("reset_state must be true or false, got '\(other)'")
                }
                let inputs = try TensorFiles.decode(request.body)
                try checkPredictBudget(model, inputs.map(\.array))
                let loaded = try cache.model(model.sha256) {
                    try LoadedModel.load(contentsOf: try environment.file(model.sha256))
                }
                let arrays = try DescribedInputs.conform(try loaded.inputs(from: inputs, source: "body"), model)
                // A stateful model continues its time sequence from the previous predict on it.
                if reset { loaded.resetState() }
                let wantsJSON = (request.header("accept") ?? "").lowercased().contains("application/json")
                let result = try loaded.predict(arrays, layerSparsity: wantsJSON && loaded.kind == .akida)
                return wantsJSON
                    ? .json(object: Service.predictionJSON(result))
                    : try Service.predictionFile(result, accept: request.header("accept"))
            })
    }

    static let predictToInfer =
        "submit bigger batches as an 'infer' job (POST /v1/jobs with {\"type\": \"infer\"})"

    /// Refuses (413) a predict body with more samples than the memory budget lets one request run.
    func checkPredictBudget(_ model: ModelRecord, _ arrays: [NDArray]) throws {
        guard let first = arrays.first, let rows = first.shape.first else { return }
        let budget = BatchBudget(
            model: model, sampleShape: Array(first.shape.dropFirst()),
            budgetBytes: configuration.workerMemoryBudgetBytes)
        guard rows > budget.maxBatch else { return }
        throw HTTPProblem(
            status: 413, title: "Batch too large for a synchronous predict",
            detail: budget.refusal(rows: rows, what: "a batch of") + " samples a request; " + Service.predictToInfer,
            type: ServiceProblems.base + "batch-too-large", extra: ["limit": budget.maxBatch])
    }

    /// Refuses (409) a route for a model of another kind than `kind`; `rule` says which it needs.
    static func require(_ model: ModelRecord, _ kind: ModelKind, _ rule: String) throws {
        guard model.kind == kind.rawValue else {
            throw EngineError.wrongKind("model \(model.id) is a \(model.kind) model: \(rule)")
        }
    }

    func akidaTarget(_ text: String?) throws -> AkidaTarget {
        guard let text else { return .v2 }
        guard let target = AkidaTarget(argument: text) else {
            throw ServiceProblems.badQuery("akida_version must be v1 or v2, got '\(text)'")
        }
        return target
    }

    /// GET /v1/models/{id}/download: the stored blob; `?format=json` gives Akida models as Akida JSON.
    func modelDownload(_ request: Request) throws -> Response {
        let model = try model(request)
        switch request.query["format"] {
        case nil:
            let format = ModelFormat(rawValue: model.format)
            return try download(
                model.sha256, name: model.name, contentType: format?.contentType ?? "application/octet-stream",
                request: request)
        case "json":
            try Service.require(model, .akida, "only Akida models download as Akida JSON")
            var response = Response.text(
                try ModelOperations.akidaJSON(at: try environment.file(model.sha256)), contentType: "application/json")
            let base = (model.name as NSString).deletingPathExtension
            response.setHeader("Content-Disposition", ContentDisposition.attachment(base + ".json"))
            return response
        case let other?:
            throw ServiceProblems.badQuery("format must be json (or absent for the stored file), got '\(other)'")
        }
    }

    // MARK: - prediction bodies

    static func predictionJSON(_ result: InferenceResult) -> [String: Any] {
        var object: [String: Any] = [
            "outputs": result.outputs.map { output -> [String: Any] in
                [
                    "name": output.name, "shape": output.array.shape, "dtype": output.array.dtype.rawValue,
                    "values": output.array.doubles().map { $0.isFinite ? $0 as Any : NSNull() },
                ]
            }
        ]
        if !result.layerSparsity.isEmpty {
            object["layerSparsity"] = result.layerSparsity.map {
                ["name": $0.name, "zeroFraction": $0.zeroFraction] as [String: Any]
            }
        }
        return object
    }

    /// One output as `.npy`; several as `.npz` (one entry per output name).
    static func predictionFile(_ result: InferenceResult, accept: String?) throws -> Response {
        let contentType =
            (accept ?? "").lowercased().contains("application/x-npy") ? "application/x-npy" : "application/octet-stream"
        if result.outputs.count == 1 {
            return Response(
                status: 200, headers: [("Content-Type", contentType)],
                body: .bytes(TensorFiles.npy(result.outputs[0].array))
            )
        }
        return Response(
            status: 200, headers: [("Content-Type", "application/zip")],
            body: .bytes(try TensorFiles.npz(result.outputs.map { ($0.name, $0.array) })))
    }
}
