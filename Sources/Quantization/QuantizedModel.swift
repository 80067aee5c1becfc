// QuantizedModel: a QuantizeML-quantized Keras model exactly as quantizeml stores it in a
// .h5 file — layers with their saved class name, Keras config (including `quant_config`),
// inbound tensors and float variables (kernels, biases, `range_max`, `rescaling_rate`, ...).
// Importing a quantized .h5, exporting one, and the result of the quantization pipeline are
// all this one structure; integer weights are never stored, they are re-derived from it
// (QuantizedEngine) the way the reference does when it builds the model.
import Diagnostics
import KerasGraph
import Tensors

/// One saved float32 variable of a layer, named relative to the layer:
/// `kernel`, `bias`, `depthwise_kernel`, `output_quantizer/range_max`, `range_min`, ...
public struct QuantizedVariable: Equatable, Sendable {
    public var name: String
    public var value: Tensor<Float>

    public init(name: String, value: Tensor<Float>) {
        self.name = name
        self.value = value
    }
}

/// A layer of a quantized model: a QuantizeML class (`Custom>QuantizedConv2D`, `Custom>InputQuantizer`,
/// `Custom>Dequantizer`, ...), the model's `InputLayer`, or a float Keras layer of the tail that
/// follows a Dequantizer (`Softmax`, `Activation`, `Dense`, ...).
public struct QuantizedLayer: Equatable, Sendable {
    public var name: String
    /// Class name as saved, e.g. `Custom>QuantizedConv2D` or `InputLayer`.
    public var className: String
    /// The Keras layer config, including `quant_config` for QuantizeML layers.
    public var config: JSONValue
    public var inputs: [TensorRef]
    /// Variables in the file's `weight_names` order.
    public var variables: [QuantizedVariable]

    public init(
        name: String, className: String, config: JSONValue, inputs: [TensorRef],
        variables: [QuantizedVariable]
    ) {
        self.name = name
        self.className = className
        self.config = config
        self.inputs = inputs
        self.variables = variables
    }

    /// Class name without the registration prefix: `Custom>QuantizedConv2D` → `QuantizedConv2D`.
    public var baseClassName: String {
        className.split(separator: ">").last.map(String.init) ?? className
    }

    /// The layer's `quant_config`, when it has one.
    public var quantConfig: JSONValue? { config["quant_config"] }

    public func variable(_ name: String) -> Tensor<Float>? {
        variables.first(where: { $0.name == name })?.value
    }

    /// Sets (or appends) a variable, keeping the save order of existing ones.
    public mutating func setVariable(_ name: String, _ value: Tensor<Float>) {
        if let i = variables.firstIndex(where: { $0.name == name }) {
            variables[i].value = value
        } else {
            variables.append(QuantizedVariable(name: name, value: value))
        }
    }
}

/// A quantized model: layers in topological order (InputLayer first), single input.
public struct QuantizedModel: Equatable, Sendable {
    public var name: String
    public var layers: [QuantizedLayer]
    /// Names of the InputLayer layers, in order.
    public var inputs: [String]
    public var outputs: [TensorRef]

    public init(name: String, layers: [QuantizedLayer], inputs: [String], outputs: [TensorRef]) {
        self.name = name
        self.layers = layers
        self.inputs = inputs
        self.outputs = outputs
    }

    public func layer(named name: String) -> QuantizedLayer? { layers.first(where: { $0.name == name }) }

    /// Layers that read an output of `name`.
    public func consumers(of name: String) -> [QuantizedLayer] {
        layers.filter { $0.inputs.contains(where: { $0.layer == name }) }
    }
}

/// Errors of quantized-model import, export and inference. Each names the layer and the rule.
public enum QuantizedModelError: UserFacingError, Equatable {
    /// The file is not a usable quantized model (bad config, missing variable, ...).
    case invalidModel(layer: String, reason: String)
    /// A layer class this engine cannot run.
    case unsupportedLayer(layer: String, className: String)
    /// A quantized form of a class the reference never quantizes, with the reason.
    case notQuantizable(layer: String, className: String, reason: String)
    /// The input tensor does not fit the model.
    case invalidInput(String)
    /// An integer operation the reference itself refuses (e.g. a rescale that would saturate).
    case arithmetic(layer: String, reason: String)

    public var description: String {
        switch self {
        case .invalidModel(let layer, let reason):
            return "layer '\(layer)': \(reason)"
        case .unsupportedLayer(let layer, let cls):
            return "layer '\(layer)' of class \(cls) is not supported in a quantized model; "
                + "quantize the float model with SpikeForge or QuantizeML 1.2.5 layers only"
        case .notQuantizable(let layer, let cls, let reason):
            return "layer '\(layer)' of class \(cls) cannot be in a quantized model: \(reason)"
        case .invalidInput(let s):
            return "invalid input: \(s)"
        case .arithmetic(let layer, let reason):
            return "layer '\(layer)': \(reason)"
        }
    }
}

extension QuantizedModelError {
    public var problemType: ProblemType {
        switch self {
        case .invalidModel: return .invalidModel
        case .unsupportedLayer, .notQuantizable: return .unsupportedLayer
        case .invalidInput: return .invalidInput
        case .arithmetic: return .quantizationFailed
        }
    }

    public var layer: String? {
        switch self {
        case .invalidModel(let layer, _), .unsupportedLayer(let layer, _), .notQuantizable(let layer, _, _),
            .arithmetic(let layer, _):
            return layer
        case .invalidInput: return nil
        }
    }

    public var rule: String? {
        if case .notQuantizable = self { return "not-quantizable" }
        return nil
    }

    public var fix: String? {
        switch self {
        case .unsupportedLayer: return "Quantize the float model with SpikeForge or QuantizeML 1.2.5 layers only."
        case .notQuantizable: return "Quantize the float model: the layer stays float after a Dequantizer."
        case .invalidModel, .invalidInput, .arithmetic: return nil
        }
    }
}
