// LegacyRescaling: a Rescaling at the head of a legacy model is its input scaling. Akida inputs
// are `x / scale - offset / scale` of the Keras inputs: the first neural layer's thresholds and
// act steps take that scale, and an input convolution pads with the shift and adds
// `shift * Σ weights` to its thresholds. Anywhere else a Rescaling is refused, as the reference
// refuses it.
import Quantization

struct LegacyRescalingConverter: LegacyLayerConverter {
    /// The (scale, shift) input scaling a leading Rescaling stands for.
    static func inputScaling(_ layer: QuantizedLayer) throws -> (scale: Double, shift: Double) {
        guard let s = layer.config["scale"]?.double, let o = (layer.config["offset"] ?? .number(0)).double else {
            throw LegacyConverter.error(
                layer.name, "legacy-rescaling",
                "the input scaling of legacy CNN2SNN models needs a Rescaling '\(layer.name)' with one scale and "
                    + "one offset",
                fix: "use a scalar scale and offset", type: "TypeError")
        }
        let scaling = (scale: 1 / s, shift: -o / s)
        guard scaling.scale > 0, scaling.scale.isFinite, scaling.shift.isFinite else {
            throw LegacyConverter.error(
                layer.name, "legacy-input-scale",
                "The scale factor 'input_scaling[0]' must be strictly positive. Receives: input_scaling=("
                    + "\(scaling.scale), \(scaling.shift))",
                fix: "give the Rescaling layer a positive scale", type: "ValueError")
        }
        return scaling
    }

    /// Reached only when the model starts with InputData (the input convolution path takes the
    /// Rescaling away first): the Akida model has no layer for a shift there.
    func add(_ layer: QuantizedLayer, to conversion: inout LegacyConversion) throws {
        guard conversion.pending == nil, conversion.layers.allSatisfy({ $0.type == .inputData }) else {
            throw LegacyConverter.error(
                layer.name, "legacy-rescaling-first",
                "A Rescaling layer must be the first layer of the model. Receives unexpected layer \(layer.name).",
                fix: "move the Rescaling layer to the start of the model")
        }
        guard conversion.inputShift == 0 else {
            throw LegacyConverter.error(
                layer.name, "legacy-layer", "Layer \(layer.name): unsupported type Rescaling.",
                fix: "use a Rescaling without offset when the input has neither 1 nor 3 channels")
        }
    }
}
