// Errors and warnings of quantize()/calibrate(): each names the layer and the rule involved,
// with the reference's wording where it has one, and says what the user can do.
import Diagnostics

public enum QuantizationError: UserFacingError, Equatable {
    case invalidParams(String)
    case invalidQConfig(String)
    case requantize(layer: String, className: String)
    case unserializable(layer: String, className: String)
    case nothingQuantizable(model: String, firstLayer: String, className: String)
    case unsignedInputNeedsConvOrDense(dtype: String, layer: String, className: String)
    case lastOutputBits(layer: String)
    case multipleInputs(count: Int)
    case unknownLayer(String, model: String)
    case addArity(layer: String, inputs: Int)
    case concatenateChannelAxis(layer: String, axis: Int)
    case calibration(String)
    case zeroPointFolding(layer: String)
    case invalidBatchSize(Int)
    case cancelled

    public var description: String {
        switch self {
        case .invalidParams(let s): return s
        case .invalidQConfig(let s): return "invalid q_config: \(s)"
        case .requantize(let layer, let cls):
            return "Requantizing a model is not supported. Please quantize the original float model directly. "
                + "(layer '\(layer)' is already a \(cls))"
        case .unserializable(let layer, let cls):
            return "Unserializable layers were found in the model: layer '\(layer)' (\(cls)) holds Python code, "
                + "which is never executed; rebuild the model with standard Keras layers instead."
        case .nothingQuantizable(let model, let layer, let cls):
            return "Impossible to quantize '\(model)'. At least one layer should be quantizable. "
                + "(the first layer after the input, '\(layer)' of type \(cls), cannot be quantized)"
        case .unsignedInputNeedsConvOrDense(let dtype, let layer, let cls):
            return "Impossible to quantize inputs: unsigned quantization (input_dtype = \(dtype)) is only possible if "
                + "first layer (\(layer), \(cls)) was one of (Conv2D, Dense). Use a signed input_dtype such as int8."
        case .lastOutputBits(let layer):
            return "Cannot apply last_output_bits on \(layer): this layer type cannot hold an OutputQuantizer."
        case .multipleInputs(let n):
            return "Only single input models are supported (this model has \(n) inputs)."
        case .unknownLayer(let layer, let model):
            return "'\(layer)' is not a recognized layer in \(model)"
        case .addArity(let layer, let n):
            return "QuantizedAdd expects two input tensors: layer '\(layer)' adds \(n). Split it into two-input Adds."
        case .concatenateChannelAxis(let layer, let axis):
            return "QuantizedConcatenate joins the per-channel frac bits (a rank-1 tensor) on its axis as written: "
                + "layer '\(layer)' concatenates channels on axis=\(axis), which they do not have. "
                + "Write the channel axis as axis=-1."
        case .calibration(let s): return "calibration failed: \(s)"
        case .zeroPointFolding(let layer):
            return "During calibration, impossible to fold zero point in \(layer)."
        case .invalidBatchSize(let b):
            return "The batch size should be strictly positive (got \(b))."
        case .cancelled: return "quantization cancelled"
        }
    }
}

extension QuantizationError {
    public var problemType: ProblemType {
        switch self {
        case .invalidParams, .invalidQConfig, .unknownLayer, .invalidBatchSize, .lastOutputBits,
            .unsignedInputNeedsConvOrDense:
            return .invalidQuantizationParams
        case .unserializable, .addArity, .concatenateChannelAxis: return .unsupportedLayer
        case .requantize, .nothingQuantizable, .multipleInputs, .calibration, .zeroPointFolding, .cancelled:
            return .quantizationFailed
        }
    }

    public var layer: String? {
        switch self {
        case .requantize(let layer, _), .unserializable(let layer, _), .nothingQuantizable(_, let layer, _),
            .unsignedInputNeedsConvOrDense(_, let layer, _), .lastOutputBits(let layer), .unknownLayer(let layer, _),
            .addArity(let layer, _), .concatenateChannelAxis(let layer, _), .zeroPointFolding(let layer):
            return layer
        case .invalidParams, .invalidQConfig, .multipleInputs, .calibration, .invalidBatchSize, .cancelled:
            return nil
        }
    }

    public var rule: String? {
        switch self {
        case .requantize: return "no-requantization"
        case .unserializable: return "no-python-code-layers"
        case .nothingQuantizable: return "first-layer-quantizable"
        case .unsignedInputNeedsConvOrDense: return "unsigned-input-first-layer"
        case .lastOutputBits: return "last-output-bits-holder"
        case .multipleInputs: return "single-input"
        case .unknownLayer: return "quantize-until-known-layer"
        case .addArity: return "add-two-inputs"
        case .concatenateChannelAxis: return "concatenate-channel-axis-negative"
        case .zeroPointFolding: return "zero-point-folding"
        case .invalidBatchSize: return "positive-batch-size"
        case .invalidParams, .invalidQConfig, .calibration, .cancelled: return nil
        }
    }

    public var fix: String? {
        switch self {
        case .requantize: return "Quantize the original float model."
        case .unserializable: return "Rebuild the model with standard Keras layers instead of Lambda layers."
        case .unsignedInputNeedsConvOrDense: return "Use a signed input_dtype such as int8."
        case .multipleInputs: return "Quantize a model with a single input."
        case .addArity: return "Split the Add into two-input Adds."
        case .concatenateChannelAxis: return "Use Concatenate(axis=-1) to join channels."
        case .invalidBatchSize: return "Give a batch size of at least 1."
        case .lastOutputBits:
            return "Leave last_output_bits unset, or end the model with a layer that holds an OutputQuantizer."
        case .invalidParams, .invalidQConfig, .nothingQuantizable, .unknownLayer, .calibration, .zeroPointFolding,
            .cancelled:
            return nil
        }
    }
}

/// A warning the reference emits as a `UserWarning`; the run continues.
public struct QuantizationWarning: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case perAxisRandomSamples, partialQuantization, inputDTypeMismatch }
    public var kind: Kind
    public var layer: String?
    public var message: String
    public var description: String { message }

    static func perAxisRandom() -> QuantizationWarning {
        QuantizationWarning(
            kind: .perAxisRandomSamples, layer: nil,
            message:
                "Quantizing per-axis with random calibration samples is not accurate. Set QuantizationParams."
                + "per_tensor_activations=True when calibrating with random samples. Continuing execution.")
    }

    static func partial(layer: String, className: String) -> QuantizationWarning {
        QuantizationWarning(
            kind: .partialQuantization, layer: layer,
            message:
                "'\(layer)' of type \(className) is not supported to quantize, a Dequantizer is added before it "
                + "and quantization will stop at this layer.Continuing execution.")
    }

    static func dtypeMismatch(dtype: String, input: String) -> QuantizationWarning {
        QuantizationWarning(
            kind: .inputDTypeMismatch, layer: input,
            message:
                "The provided model expects \(dtype) in \(input) but QuantizationParams.input_dtype is \(dtype) which "
                + "is different. Keeping original signature without adding an input quantizer and continuing execution."
        )
    }
}
