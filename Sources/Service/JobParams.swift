// Service: reading a job's `params` object with the reference's snake_case names — unknown keys,
// wrong types and out-of-range numbers are 422 problems naming the parameter — and the
// calibration part that quantize and calibrate jobs share.
import Engine
import Foundation
import JSON
import Jobs
import Persistence

/// A job's `params` object, read with the reference's snake_case names.
struct JobParams {
    let type: String
    let object: JSONValue

    init(_ text: String, type: String, allowed: [String]) throws {
        self.type = type
        guard let value = try? JSONValue(parsing: text), let pairs = value.objectPairs else {
            throw JobParams.invalid(type, "params must be a JSON object")
        }
        if let unknown = pairs.first(where: { !allowed.contains($0.0) }) {
            throw JobParams.invalid(
                type, "unknown parameter '\(unknown.0)'; \(type) takes \(allowed.joined(separator: ", "))")
        }
        object = value
    }

    static func invalid(_ type: String, _ detail: String) -> Problem {
        Problem(
            type: ServiceProblems.base + "invalid-params", title: "Invalid \(type) parameters", status: 422,
            detail: detail)
    }

    func invalid(_ detail: String) -> Problem { JobParams.invalid(type, detail) }

    func string(_ key: String) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.string else { throw invalid("\(key) must be a string") }
        return text
    }

    /// The `name` parameter, under the one rule for names (`NameRule`).
    func name() throws -> String? {
        guard let name = try string("name") else { return nil }
        if let broken = NameRule.violation(name) {
            var problem = invalid("name \(broken)")
            problem.extensions["parameter"] = "name"
            throw problem
        }
        return name
    }

    func required(_ key: String) throws -> String {
        guard let text = try string(key) else { throw invalid("\(key) is required") }
        return text
    }

    func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let number = value.int, range.contains(number) else {
            throw invalid("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let flag = value.bool else { throw invalid("\(key) must be true or false") }
        return flag
    }

    func jsonObject(_ key: String) throws -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        guard value.objectPairs != nil else { throw invalid("\(key) must be a JSON object") }
        return value
    }

    /// A q_config checked by the engine against the float model: 422 naming the layer and field.
    func qConfig(_ value: JSONValue, floatAt url: URL) throws {
        do { try QuantizeRequest.validate(qConfig: value, floatAt: url) } catch let error as QConfigError {
            var problem = ServiceProblems.problem(error)
            problem.title = "Invalid \(type) parameters"
            problem.extensions["parameter"] = "q_config"
            if let field = error.field { problem.extensions["field"] = field }
            throw problem
        }
    }

    /// QuantizationParams as JSON, checked by the engine.
    func qparams(_ value: JSONValue?) throws -> JSONValue? {
        do { try QuantizeRequest.validate(qparams: value) } catch { throw invalid("qparams: \(error)") }
        return value
    }
}

/// The calibration part of quantize and calibrate jobs:
/// {dataset_id?, num_samples?, batch_size?, epochs?, seed?}.
struct CalibrationParams {
    static let keys = ["dataset_id", "num_samples", "batch_size", "epochs", "seed"]
    var dataset: DatasetRecord?
    var numSamples: Int?, batchSize: Int?, epochs: Int, seed: Int?

    /// `model` is the float model the samples run through: they must fit its input, and an explicit
    /// `batch_size` its memory budget.
    init(_ p: JobParams, _ environment: JobEnvironment, model: ModelRecord) throws {
        dataset = try p.string("dataset_id").map { try environment.dataset($0) }
        if let dataset { try p.requireFit(dataset, model) }
        numSamples = try p.int("num_samples", 1...10_000_000)
        let budget = BatchBudget(
            model: model, sampleShape: Array((dataset?.shape ?? []).dropFirst()),
            budgetBytes: environment.memoryBudgetBytes)
        batchSize = try p.int("batch_size", 1...1_000_000).map { _ in try p.batchSize(budget, preferred: 1) }
        epochs = try p.int("epochs", 1...1000) ?? 1
        seed = try p.int("seed", 0...Int(Int32.max))
    }

    /// Calibration over the stored dataset, reporting progress and stopping on cancel.
    func request(_ context: JobContext, _ environment: JobEnvironment) throws -> CalibrationRequest {
        let samples = try dataset.map { try EngineJobs.array($0, environment) }
        let epochs = self.epochs
        return CalibrationRequest(
            samples: samples, numSamples: numSamples, batchSize: batchSize, epochs: epochs, seed: UInt64(seed ?? 0)
        ) { progress in
            try? context.progress(
                phase: "calibration", done: progress.epoch * progress.steps + progress.step,
                total: progress.steps * epochs)
            return !context.isInterrupted
        }
    }
}
