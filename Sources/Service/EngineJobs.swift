// Service: the engine's job kinds — `quantize` (float model → quantized model), `calibrate`
// (quantized model + its float parent → recalibrated model), `convert` (quantized → Akida .fbz)
// and `infer` (a stored dataset through any model → a new dataset). Parameters are checked at
// submission (422) and again when the job runs; results name the records the job created.
import AkidaFormats
import Conversion
import Engine
import Foundation
import JSON
import KerasGraph
import NumPyIO
import Persistence
import Quantization
import Tensors

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
            throw JobParams.invalid(type, "unknown parameter '\(unknown.0)'; \(type) takes \(allowed.joined(separator: ", "))")
        }
        object = value
    }

    static func invalid(_ type: String, _ detail: String) -> Persistence.Problem {
        Persistence.Problem(type: ServiceProblems.base + "invalid-params", title: "Invalid \(type) parameters", status: 422, detail: detail)
    }

    func invalid(_ detail: String) -> Persistence.Problem { JobParams.invalid(type, detail) }

    func string(_ key: String) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.string else { throw invalid("\(key) must be a string") }
        return text
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
}

enum EngineJobs {
    static func register(on service: Service) {
        service.register(kind: "quantize", validate: { _ = try QuantizeJob($0, $1) }, handler: { context, environment in
            try QuantizeJob(context.paramsJSON, environment).run(context, environment)
        })
        service.register(kind: "calibrate", validate: { _ = try CalibrateJob($0, $1) }, handler: { context, environment in
            try CalibrateJob(context.paramsJSON, environment).run(context, environment)
        })
        service.register(kind: "convert", validate: { _ = try ConvertJob($0, $1) }, handler: { context, environment in
            try ConvertJob(context.paramsJSON, environment).run(context, environment)
        })
        service.register(kind: "infer", validate: { _ = try InferJob($0, $1) }, handler: { context, environment in
            try InferJob(context.paramsJSON, environment).run(context, environment)
        })
    }

    static func requireKind(_ model: ModelRecord, _ kind: String, _ params: JobParams, _ hint: String) throws {
        guard model.kind == kind else {
            throw params.invalid("model \(model.id) is a \(model.kind) model; \(params.type) needs a \(kind) model (\(hint))")
        }
    }

    /// The first array of a stored .npy/.npz dataset.
    static func array(_ dataset: DatasetRecord, _ environment: JobEnvironment) throws -> NDArray {
        let url = try environment.file(dataset.sha256)
        let handle = try FileHandle(forReadingFrom: url)
        let head = [UInt8](try handle.read(upToCount: 4) ?? Data())
        try? handle.close()
        if head == DatasetCheck.zipMagic {
            guard let first = try NPZ.read(contentsOf: url).first else { throw DatasetCheck.invalid("dataset \(dataset.id) holds no arrays") }
            return first.array
        }
        return try NPY.read(contentsOf: url)
    }

    /// Engine failures as job problems: conversion errors keep their layer, rule and fix.
    static func run<T>(_ title: String, _ context: JobContext, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let interrupted as JobInterrupted {
            throw interrupted
        } catch let problem as Persistence.Problem {
            throw problem
        } catch {
            try context.checkpoint()  // a cancelled calibration ends in an engine error: report the cancel
            var extensions: [String: String] = [:]
            if let conversion = error as? ConversionError {
                extensions = ["rule": conversion.rule ?? "", "fix": conversion.fix ?? ""]
                if let layer = conversion.layer { extensions["layer"] = layer }
            }
            throw Persistence.Problem(type: ServiceProblems.base + "engine", title: title, status: 422, detail: "\(error)",
                                      extensions: extensions)
        }
    }

    static func resultJSON(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    static func baseName(_ name: String) -> String { (name as NSString).deletingPathExtension }

    static func storeQuantized(_ outcome: QuantizeOutcome, name: String, parent: String, _ context: JobContext,
                               _ environment: JobEnvironment) throws -> String {
        let file = environment.scratchFile(suffix: ".h5")
        defer { try? FileManager.default.removeItem(at: file) }
        try ModelOperations.export(outcome.model, to: file)
        let record = try environment.storeModel(contentsOf: file, name: name, format: "h5", kind: "quantized",
                                                descriptionJSON: outcome.info.json, parent: parent, sourceJob: context.id)
        return try resultJSON(["model_id": record.id, "warnings": outcome.warnings, "fully_quantized": outcome.fullyQuantized])
    }
}

/// The calibration part of quantize and calibrate jobs:
/// {dataset_id?, num_samples?, batch_size?, epochs?, seed?}.
struct CalibrationParams {
    static let keys = ["dataset_id", "num_samples", "batch_size", "epochs", "seed"]
    var dataset: DatasetRecord?
    var numSamples: Int?, batchSize: Int?, epochs: Int, seed: Int?

    init(_ p: JobParams, _ environment: JobEnvironment) throws {
        dataset = try p.string("dataset_id").map { try environment.dataset($0) }
        numSamples = try p.int("num_samples", 1...10_000_000)
        batchSize = try p.int("batch_size", 1...1_000_000)
        epochs = try p.int("epochs", 1...1000) ?? 1
        seed = try p.int("seed", 0...Int(Int32.max))
    }

    /// Calibration options over the stored dataset, reporting progress and stopping on cancel.
    func options(_ context: JobContext, _ environment: JobEnvironment) throws -> CalibrationOptions {
        let samples = try dataset.map { try EngineJobs.array($0, environment) }
        let epochs = self.epochs
        return CalibrationOptions(samples: samples, numSamples: numSamples ?? samples?.shape.first ?? 1024, batchSize: batchSize,
                                  epochs: epochs, seed: UInt64(seed ?? 0)) { progress in
            try? context.progress(phase: "calibration", done: progress.epoch * progress.steps + progress.step,
                                  total: progress.steps * epochs)
            return !context.isInterrupted
        }
    }
}

/// quantize: {model_id, qparams?, q_config?, dataset_id?, num_samples?, batch_size?, epochs?, seed?, name?}
struct QuantizeJob {
    var model: ModelRecord
    var params: QuantizationParams
    var qConfig: JSONValue?
    var calibration: CalibrationParams
    var name: String

    init(_ text: String, _ environment: JobEnvironment) throws {
        let p = try JobParams(text, type: "quantize", allowed: ["model_id", "qparams", "q_config", "name"] + CalibrationParams.keys)
        model = try environment.model(try p.required("model_id"))
        try EngineJobs.requireKind(model, "float", p, "quantize float models; recalibrate quantized ones with a 'calibrate' job")
        do { params = try p.jsonObject("qparams").map { try QuantizationParams(json: $0) } ?? .default } catch let error as QuantizationError {
            throw p.invalid("qparams: \(error)")
        }
        qConfig = try p.jsonObject("q_config")
        calibration = try CalibrationParams(p, environment)
        name = try p.string("name") ?? EngineJobs.baseName(model.name) + "-quantized.h5"
    }

    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        try context.progress(phase: "loading", done: 0, total: 1)
        let options = QuantizeOptions(params: params, qConfig: qConfig, calibration: try calibration.options(context, environment))
        let outcome = try EngineJobs.run("Quantization failed", context) {
            try ModelOperations.quantize(floatAt: try environment.file(model.sha256), options: options)
        }
        try context.checkpoint()
        return try EngineJobs.storeQuantized(outcome, name: name, parent: model.id, context, environment)
    }
}

/// calibrate: {model_id (quantized), float_model_id? (default: its parent), dataset_id?, qparams?
/// (default: those of the job that made it), num_samples?, batch_size?, epochs?, seed?, name?}
struct CalibrateJob {
    var model: ModelRecord
    var float: ModelRecord
    var params: QuantizationParams
    var calibration: CalibrationParams
    var name: String

    init(_ text: String, _ environment: JobEnvironment) throws {
        let p = try JobParams(text, type: "calibrate", allowed: ["model_id", "float_model_id", "qparams", "name"] + CalibrationParams.keys)
        model = try environment.model(try p.required("model_id"))
        try EngineJobs.requireKind(model, "quantized", p, "quantize a float model first")
        guard let floatID = try p.string("float_model_id") ?? model.parentModelID else {
            throw p.invalid("model \(model.id) has no parent float model: give float_model_id")
        }
        float = try environment.model(floatID)
        try EngineJobs.requireKind(float, "float", p, "float_model_id must name the float model the quantized model came from")
        var qparams = try p.jsonObject("qparams")
        if qparams == nil, let source = model.sourceJobID, let job = try environment.store.job(id: source),
           let original = try? JSONValue(parsing: job.paramsJSON) {
            qparams = original["qparams"].flatMap { $0.isNull ? nil : $0 }
        }
        do { params = try qparams.map { try QuantizationParams(json: $0) } ?? .default } catch let error as QuantizationError {
            throw p.invalid("qparams: \(error)")
        }
        calibration = try CalibrationParams(p, environment)
        name = try p.string("name") ?? EngineJobs.baseName(model.name) + "-calibrated.h5"
    }

    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        try context.progress(phase: "loading", done: 0, total: 1)
        let options = try calibration.options(context, environment)
        let outcome = try EngineJobs.run("Calibration failed", context) {
            try ModelOperations.calibrate(quantizedAt: try environment.file(model.sha256), floatAt: try environment.file(float.sha256),
                                          params: params, options: options)
        }
        try context.checkpoint()
        return try EngineJobs.storeQuantized(outcome, name: name, parent: model.id, context, environment)
    }
}

/// convert: {model_id (quantized), akida_version? "v1"|"v2" (default v2), name?}
struct ConvertJob {
    var model: ModelRecord
    var target: AkidaTarget
    var name: String

    init(_ text: String, _ environment: JobEnvironment) throws {
        let p = try JobParams(text, type: "convert", allowed: ["model_id", "akida_version", "name"])
        model = try environment.model(try p.required("model_id"))
        try EngineJobs.requireKind(model, "quantized", p, "quantize the float model first with a 'quantize' job")
        let version = try p.string("akida_version") ?? "v2"
        guard let target = AkidaTarget(argument: version) else { throw p.invalid("akida_version must be v1 or v2, got '\(version)'") }
        self.target = target
        name = try p.string("name") ?? EngineJobs.baseName(model.name) + "-akida-\(target.rawValue).fbz"
    }

    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        try context.progress(phase: "converting", done: 0, total: 1)
        let output = try EngineJobs.run("Conversion failed", context) {
            try ModelOperations.convert(quantizedAt: try environment.file(model.sha256), target: target)
        }
        try context.checkpoint()
        let info = ModelInfo(akida: output.model, format: .fbz)
        let record = try environment.storeModel(Data(try FBZ.encode(output.model)), name: name, format: "fbz", kind: "akida",
                                                descriptionJSON: info.json, parent: model.id, sourceJob: context.id)
        try context.progress(phase: "converting", done: 1, total: 1)
        return try EngineJobs.resultJSON(["model_id": record.id, "akida_version": target.rawValue, "warnings": output.warnings])
    }
}

/// infer: {model_id, dataset_id, batch_size? (default 64), name?} → outputs stored as a dataset
/// (.npy for one output, .npz for several).
struct InferJob {
    var model: ModelRecord
    var dataset: DatasetRecord
    var batchSize: Int
    var name: String?

    init(_ text: String, _ environment: JobEnvironment) throws {
        let p = try JobParams(text, type: "infer", allowed: ["model_id", "dataset_id", "batch_size", "name"])
        model = try environment.model(try p.required("model_id"))
        dataset = try environment.dataset(try p.required("dataset_id"))
        batchSize = try p.int("batch_size", 1...1_000_000) ?? 64
        name = try p.string("name")
    }

    func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        try context.progress(phase: "loading", done: 0, total: 1)
        let (loaded, input) = try EngineJobs.run("Inference failed", context) {
            (try LoadedModel.load(contentsOf: try environment.file(model.sha256)), try EngineJobs.array(dataset, environment))
        }
        let rows = input.shape.first ?? 0
        var outputs: [(name: String, array: NDArray)] = []
        var start = 0
        try context.progress(phase: "inference", done: 0, total: rows)
        while start < rows {
            let end = min(rows, start + batchSize)
            let batch = try BatchRows.slice(input, start..<end)
            let result = try EngineJobs.run("Inference failed", context) { try loaded.predict([batch]) }
            outputs = outputs.isEmpty ? result.outputs : try zip(outputs, result.outputs).map { ($0.name, try BatchRows.append($0.array, $1.array)) }
            start = end
            try context.progress(phase: "inference", done: start, total: rows)
        }
        let several = outputs.count > 1
        let file = environment.scratchFile(suffix: several ? ".npz" : ".npy")
        defer { try? FileManager.default.removeItem(at: file) }
        if several { try NPZ.write(outputs, to: file) } else if let only = outputs.first { try NPY.write(only.array, to: file) }
        let record = try environment.storeDataset(contentsOf: file, name: name ?? EngineJobs.baseName(dataset.name) + "-outputs" + (several ? ".npz" : ".npy"))
        return try EngineJobs.resultJSON(["dataset_id": record.id, "model_id": model.id, "rows": rows,
                                          "outputs": outputs.map { ["name": $0.name, "shape": $0.array.shape, "dtype": $0.array.dtype.rawValue] as [String: Any] }])
    }
}

/// Batches along the first axis, on raw bytes (any dtype).
enum BatchRows {
    static func slice(_ array: NDArray, _ rows: Range<Int>) throws -> NDArray {
        let count = array.shape.first ?? 0
        let rowBytes = count == 0 ? 0 : array.bytes.count / count
        var shape = array.shape
        shape[0] = rows.count
        return try NDArray(dtype: array.dtype, shape: shape, bytes: Array(array.bytes[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)]))
    }

    static func append(_ a: NDArray, _ b: NDArray) throws -> NDArray {
        guard a.dtype == b.dtype, a.shape.dropFirst() == b.shape.dropFirst(), !a.shape.isEmpty else {
            throw TensorError.shapeMismatch("batch outputs disagree: \(a.dtype.rawValue) \(a.shape) vs \(b.dtype.rawValue) \(b.shape)")
        }
        var shape = a.shape
        shape[0] += b.shape[0]
        return try NDArray(dtype: a.dtype, shape: shape, bytes: a.bytes + b.bytes)
    }
}
