// Engine operations on model files, shared by the CLI and the service: describe any model kind
// (one JSON shape for Keras and Akida), summarise it (Keras- or akida-style text, or JSON), read a
// q_config, quantize, calibrate, check and convert, and write the results in their file formats.
import AkidaFormats
import AkidaModel
import Conversion
import Foundation
import KerasGraph
import KerasHDF5
import Quantization
import Tensors

/// What a model is, for every kind: inputs, outputs and layers with class, shape and parameters.
public struct ModelInfo: Codable, Equatable, Sendable {
    /// Keras and Akida models describe their tensors alike.
    public typealias TensorInfo = KerasGraph.ModelDescription.TensorInfo

    public struct Layer: Codable, Equatable, Sendable {
        public var name: String
        /// Keras class name, or the Akida layer type.
        public var className: String
        public var inputs: [String]
        public var outputShape: [Int?]?
        public var params: Int
    }

    public var kind: ModelKind
    public var format: ModelFormat
    public var name: String
    /// "Sequential" / "Functional" for Keras models, "Akida" for Akida models.
    public var modelClass: String
    public var inputs: [TensorInfo]
    public var outputs: [TensorInfo]
    public var layers: [Layer]
    public var totalParams: Int
    /// Akida models: the IP version ("v1" or "v2").
    public var akidaIPVersion: String?

    public init(keras description: KerasGraph.ModelDescription) {
        kind = description.kind == .quantized ? .quantized : .float
        format = .h5
        name = description.name
        modelClass = description.modelClass
        inputs = description.inputs
        outputs = description.outputs
        layers = description.layers.map {
            Layer(name: $0.name, className: $0.className, inputs: $0.inputs, outputShape: $0.outputShape, params: $0.params)
        }
        totalParams = description.totalParams
        akidaIPVersion = nil
    }

    public init(akida model: AkidaModel, format: ModelFormat) {
        kind = .akida
        self.format = format
        name = "akida"
        modelClass = "Akida"
        let first = model.layers.first
        let inputDType: String
        if first?.type == .inputData {
            inputDType = (first?.parameters["input_bits"] ?? 8) >= 5 ? "int8" : "uint8"
        } else {
            inputDType = "float32"
        }
        inputs = [TensorInfo(name: first?.name ?? "input", shape: [nil] + model.inputShape, dtype: inputDType)]
        outputs = [TensorInfo(name: model.layers.last?.name ?? "output", shape: [nil] + model.outputShape,
                              dtype: model.layers.last?.type == .dequantizer ? "float32" : "int32")]
        layers = model.layers.map { layer in
            Layer(name: layer.name, className: layer.type.rawValue, inputs: layer.inbounds,
                  outputShape: [nil] + layer.outputShape.map { Optional($0) },
                  params: ["weights", "weights_pw", "bias"].reduce(0) { $0 + (layer.variables[$1]?.values.count ?? 0) })
        }
        totalParams = layers.reduce(0) { $0 + $1.params }
        akidaIPVersion = model.ipVersion.rawValue
    }

    /// Pretty, key-sorted JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// A model file parsed far enough to describe and summarise it (nothing is compiled or run).
public enum ModelDocument {
    case keras(LayerGraph, KerasGraph.ModelDescription)
    case akida(AkidaModel, ModelFormat)

    public static func read(contentsOf url: URL) throws -> ModelDocument {
        switch try ModelFormat.of(url) {
        case .h5: return try keras(KerasH5.read(url))
        case .fbz: return .akida(try FBZ.read(contentsOf: url), .fbz)
        case .json: return .akida(try AkidaJSON.read(contentsOf: url), .json)
        }
    }

    public static func keras(_ file: KerasModelFile) throws -> ModelDocument {
        let graph = try LayerGraph(file: file)
        return .keras(graph, try KerasGraph.ModelDescription(graph: graph))
    }

    public var info: ModelInfo {
        switch self {
        case .keras(_, let description): return ModelInfo(keras: description)
        case .akida(let model, let format): return ModelInfo(akida: model, format: format)
        }
    }

    /// tf_keras's `model.summary()` for Keras models, akida's `Model.summary()` for Akida ones.
    public var summaryText: String {
        switch self {
        case .keras(let graph, let description): return KerasSummary.text(graph: graph, description: description)
        case .akida(let model, _): return AkidaSummary(model: model).text
        }
    }

    /// The summary as JSON: the description for Keras models, akida's summary fields otherwise.
    public var summaryJSON: String {
        switch self {
        case .keras: return info.json
        case .akida(let model, _): return AkidaSummary(model: model).json
        }
    }
}


/// What quantize and calibrate produce.
public struct QuantizeOutcome {
    public var model: QuantizedModel
    public var warnings: [String]
    public var fullyQuantized: Bool
    public var info: ModelInfo
}

/// Quantize, calibrate, check, convert and export: each reads its inputs from model files.
public enum ModelOperations {
    /// Reads a quantized tf_keras model, or says which kind the file holds instead.
    public static func quantizedModel(at url: URL) throws -> QuantizedModel {
        guard case .quantized(let model) = try LoadedModel.load(contentsOf: url) else {
            throw EngineError.wrongKind("the model is not a quantized Keras model; quantize a float model first")
        }
        return model
    }

    /// The q_config (quantizeml `dump_config`) of a quantized model file.
    public static func qConfig(at url: URL) throws -> JSONValue {
        try quantizedModel(at: url).dumpConfig()
    }

    /// Quantizes and calibrates the float model at `url`.
    public static func quantize(floatAt url: URL, options: QuantizeOptions) throws -> QuantizeOutcome {
        let file = try KerasH5.read(url)
        guard case .float = try LoadedModel.keras(file) else {
            throw EngineError.wrongKind("the model is already quantized; quantize its float model, or calibrate it instead")
        }
        return try outcome(Quantizer.quantize(file, options: options))
    }

    /// Calibrates the quantized model at `quantized` again against its float model at `float`.
    public static func calibrate(quantizedAt quantized: URL, floatAt float: URL, params: QuantizationParams,
                                 options: CalibrationOptions) throws -> QuantizeOutcome {
        let model = try quantizedModel(at: quantized)
        return try outcome(Quantizer.calibrate(model, float: KerasH5.read(float), params: params, options: options))
    }

    static func outcome(_ result: QuantizationResult) throws -> QuantizeOutcome {
        let info = ModelInfo(keras: try KerasGraph.ModelDescription(file: result.model.kerasModelFile()))
        return QuantizeOutcome(model: result.model, warnings: result.warnings.map(\.message),
                               fullyQuantized: result.fullyQuantized, info: info)
    }

    /// Writes a quantized model as a tf_keras .h5 that quantizeml loads.
    public static func export(_ model: QuantizedModel, to url: URL) throws {
        try KerasH5.write(model.kerasModelFile(), to: url)
    }

    /// Every reason the quantized model at `url` cannot be converted for `target`.
    public static func check(quantizedAt url: URL, target: AkidaTarget) throws -> CompatibilityReport {
        CompatibilityReport(target: target, problems: Converter.checkCompatibility(quantized: try quantizedModel(at: url), target: target))
    }

    /// Converts the quantized model at `url` into an Akida model.
    public static func convert(quantizedAt url: URL, target: AkidaTarget) throws -> ConversionOutput {
        try Converter.convert(quantized: try quantizedModel(at: url), target: target)
    }

    /// The Akida model at `url` (an .fbz or Akida JSON file) as Akida JSON text.
    public static func akidaJSON(at url: URL) throws -> String {
        guard case .akida(let model) = try LoadedModel.load(contentsOf: url) else {
            throw EngineError.wrongKind("the model is not an Akida model; convert a quantized model first")
        }
        return AkidaJSON.encode(model)
    }
}
