// LegacyDiscreteReLU: the legacy CNN2SNN activations QuantizedReLU and ActivationDiscreteRelu
// (saved with a `bitwidth` instead of a `quant_config`): a float staircase of `2^bits − 1` steps.
import KerasGraph
import Tensors

enum LegacyDiscreteReLU: LegacyLayerType {
    static let classNames = ["QuantizedReLU", "ActivationDiscreteRelu"]

    static func recognizes(_ layer: QuantizedLayer) -> Bool { layer.config["bitwidth"] != nil }

    static func makeOp(_ layer: QuantizedLayer) throws -> LayerOp {
        let r = LayerConfigReader(layer: layer)
        guard let bits = r.int("bitwidth"), bits > 0 else {
            throw r.fail("Activation 'bitwidth' must be greater than zero.")
        }
        let levels = pow2(Float(bits)) - 1
        let step: Float
        if layer.baseClassName == "ActivationDiscreteRelu" {
            // Its maximum is 6, or the top level when fewer than 6 levels exist.
            step = Float(min(Double(levels), 6) / Double(levels))
        } else {
            let maxValue = Float(layer.config["max_value"]?.double ?? Double(levels))
            step = maxValue / levels
        }
        return StaircaseReLUOp(step: step, levels: levels)
    }
}

/// `step · clip(ceil((x − step/2) / step), 0, levels)`.
struct StaircaseReLUOp: LayerOp {
    let step: Float
    let levels: Float

    func forward(_ inputs: [QValue]) throws -> QValue {
        let threshold = step * 0.5
        return .float(inputs[0].floats.map { v in step * min(max(((v - threshold) / step).rounded(.up), 0), levels) })
    }
}
