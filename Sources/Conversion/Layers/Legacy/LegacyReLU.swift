// LegacyReLU: a legacy staircase ReLU (QuantizedReLU, ActivationDiscreteRelu) completes the
// neural layer before it: its bitwidth becomes `act_bits` and its step the thresholds and act
// steps; the next neural layer's input scale is the inverse of that step.
import Foundation
import Quantization

struct LegacyReLUConverter: LegacyLayerConverter {
    /// ActivationDiscreteRelu: its top level is capped at 6.
    var discrete = false

    func add(_ layer: QuantizedLayer, to conversion: inout LegacyConversion) throws {
        guard var p = conversion.pending else {
            throw LegacyConverter.error(
                layer.name, "legacy-activation", "activation '\(layer.name)' follows no neural layer",
                fix: "place activations after Conv2D/Dense")
        }
        let bits = layer.config["bitwidth"]?.int ?? 1
        guard [1, 2, 4].contains(bits) else {
            throw LegacyConverter.error(
                layer.name, "legacy-activation-bits",
                "Activation bitwidth must be in (1, 2, 4). Receives bitwidth \(bits) in layer '\(layer.name)'.",
                fix: "quantize activations with 1, 2 or 4 bits", type: "ValueError")
        }
        p.params["act_bits"] = bits
        p.params["activation"] = 1
        let step = step(layer, bits: bits)
        try conversion.build(p, step: step, bits: bits)
        conversion.inputScale = 1 / step
        conversion.pending = nil
    }

    /// Quantization step of a staircase ReLU, in float32 as TensorFlow computes it.
    private func step(_ layer: QuantizedLayer, bits: Int) -> Float {
        let levels = Float(pow(2.0, Double(bits)) - 1)
        if discrete { return Float(min(Double(levels), 6) / Double(levels)) }
        return Float(layer.config["max_value"]?.double ?? Double(levels)) / levels
    }
}
