// Engine: the operations on model files that the CLI and the service share — read a q_config,
// quantize, calibrate, check and convert — each reading its inputs from model files and saying
// which kind of model it needs when given another.
import AkidaFormats
import Conversion
import Foundation
import KerasGraph
import KerasHDF5
import Quantization

/// Quantize, calibrate, check, convert and export: each reads its inputs from model files.
public enum ModelOperations {
    /// Reads a quantized tf_keras model, or says which kind the file holds instead.
    public static func quantizedModel(at url: URL) throws -> QuantizedModel {
        guard try ModelFormat.of(url) == .h5 else { throw notQuantized }
        let graph = try LayerGraph(file: KerasH5.read(url))
        guard graph.isQuantized else { throw notQuantized }
        return try QuantizedModel(graph: graph)
    }

    static let notQuantized = EngineError.wrongKind(
        "the model is not a quantized Keras model; quantize a float model first")

    /// The q_config (quantizeml `dump_config`) of a quantized model file.
    public static func qConfig(at url: URL) throws -> JSONValue {
        try quantizedModel(at: url).dumpConfig()
    }

    /// Quantizes and calibrates the float model at `url`.
    public static func quantize(floatAt url: URL, request: QuantizeRequest) throws -> QuantizeOutcome {
        let options = try request.options()
        let file = try KerasH5.read(url)
        guard case .float(let float, _) = try LoadedModel.keras(file) else {
            throw EngineError.wrongKind(
                "the model is already quantized; quantize its float model, or calibrate it instead")
        }
        return try outcome(Quantizer.quantize(file, options: options), float: float, request.calibration)
    }

    /// Calibrates the quantized model at `quantized` again against its float model at `float`.
    public static func calibrate(
        quantizedAt quantized: URL, floatAt float: URL, request: QuantizeRequest
    ) throws -> QuantizeOutcome {
        let params = try request.params()
        let model = try quantizedModel(at: quantized)
        let floatFile = try KerasH5.read(float)
        return try outcome(
            Quantizer.calibrate(model, float: floatFile, params: params, options: request.calibration.options),
            float: try FloatModel(file: floatFile), request.calibration)
    }

    static func outcome(
        _ result: QuantizationResult, float: FloatModel, _ calibration: CalibrationRequest
    ) throws -> QuantizeOutcome {
        let info = ModelInfo(keras: try KerasGraph.ModelDescription(file: result.model.kerasModelFile()))
        let qa = try CalibrationQA.assess(float: float, quantized: result.model, request: calibration)
        return QuantizeOutcome(
            model: result.model, warnings: result.warnings.map(\.message),
            notes: result.sanitizeNotes.map(\.description), fullyQuantized: result.fullyQuantized, info: info,
            calibrationQA: qa)
    }

    /// Every reason the quantized model at `url` cannot be converted for `target`.
    public static func check(quantizedAt url: URL, target: AkidaTarget) throws -> CompatibilityReport {
        let problems = Converter.checkCompatibility(quantized: try quantizedModel(at: url), target: target)
        return CompatibilityReport(target: target, problems: problems)
    }

    /// Converts the quantized model at `url` into an Akida model.
    public static func convert(quantizedAt url: URL, target: AkidaTarget) throws -> ConvertOutcome {
        let output = try Converter.convert(quantized: try quantizedModel(at: url), target: target)
        return ConvertOutcome(model: output.model, warnings: output.warnings)
    }

    /// The Akida model at `url` (an .fbz or Akida JSON file) as Akida JSON text.
    public static func akidaJSON(at url: URL) throws -> String {
        guard case .akida(let model, _) = try LoadedModel.load(contentsOf: url) else {
            throw EngineError.wrongKind("the model is not an Akida model; convert a quantized model first")
        }
        return AkidaJSON.encode(model)
    }
}
