// LegacyNeurons: the Akida 1.0 neural layer of a legacy model as the reference's legacy path
// builds it: weights re-quantized from their max-based scale factors, thresholds and act steps
// from the staircase ReLU's step, the input scale and the biases.
import AkidaModel
import Foundation
import Quantization
import Tensors

extension LegacyConversion {
    /// The legacy weight quantizer's fake-quantized weights and its scale factor per output channel.
    private func quantized(_ layer: QuantizedLayer, _ w: Tensor<Float>) -> (values: [Float], scale: [Float]) {
        let perAxis = layer.config["quantizer"]?["class_name"]?.string == "MaxPerAxisQuantizer"
        let (weights, factors) = legacyFakeQuantize(w, bits: LegacyNeuralConverter.weightBits(layer), perAxis: perAxis)
        return (weights.scalars, perAxis ? factors : Array(repeating: factors[0], count: w.shape.last ?? 1))
    }

    /// Builds the Akida layer of `p` after the layers built so far; `step` and `bits` are those of
    /// its staircase ReLU (nil without one).
    mutating func build(_ p: Pending, step: Float?, bits: Int?) throws {
        let layer = p.neural, name = layer.name, previous = layers.last
        guard let kernel = layer.variable("kernel") else {
            throw LegacyConverter.error(
                name, "legacy-weights", "variable 'kernel' of \(name) is missing",
                fix: "re-save the model with its weights")
        }
        let (wq, delta) = quantized(layer, kernel)
        let units = kernel.shape.last ?? 1
        let input =
            previous?.outputShape ?? graph.inputShape(QuantizedKerasLayer(layer)).map { Array($0.suffix(3)) } ?? []
        guard let outShape = graph.shape(p.gap?.name ?? name) else {
            throw LegacyConverter.error(
                name, "shape-inference", "cannot infer the output shape of \(name)",
                fix: "check the model configuration")
        }
        let output = Array(repeating: 1, count: max(0, 3 - outShape.count)) + outShape
        var weights: [Int64]
        var shape = kernel.shape
        if p.type == .fullyConnected {
            guard input.count == 3 else {
                throw LegacyConverter.error(
                    name, "shape-inference", "cannot infer the input of \(name)", fix: "check the model")
            }
            let (d0, d1, c) = (input[0], input[1], input[2])
            guard wq.count == d0 * d1 * c * units else {
                throw LegacyConverter.error(
                    name, "dense-flat-input", "the kernel of \(name) does not match its \(input) input",
                    fix: "check the model")
            }
            var permuted = [Float](repeating: 0, count: wq.count)
            for x in 0..<d0 {
                for y in 0..<d1 {
                    for ch in 0..<c {
                        let src = ((x * d1 + y) * c + ch) * units, dst = ((ch * d1 + y) * d0 + x) * units
                        for u in 0..<units { permuted[dst + u] = wq[src + u] }
                    }
                }
            }
            weights = try permuted.enumerated().map {
                try integral(
                    ($0.element * delta[$0.offset % units]).rounded(.toNearestOrEven), layer: name, what: "a weight")
            }
            shape = [1, 1, d0 * d1 * c, units]
        } else {
            weights = try wq.enumerated().map {
                try integral(
                    ($0.element * delta[$0.offset % units]).rounded(.toNearestOrEven), layer: name, what: "a weight")
            }
            if p.type == .convolutional {
                weights = KernelOps.flipSpatial(IntTensor(shape: shape, values: weights)).values
            }
        }
        let bias = layer.config["use_bias"]?.bool ?? true ? (layer.variable("bias")?.scalars ?? []) : []
        let threshold32: Float = step.map { $0 * 0.5 } ?? 0
        let actStepKeras: Double = step.map { s in Double(Float(s * Float(pow(2.0, Double(bits ?? 4)))) / 16) } ?? 1
        let gapFactor =
            p.gap.flatMap { graph.inputShape(QuantizedKerasLayer($0)) }
            .map { $0.count == 3 ? $0[0] * $0[1] : 1 } ?? 1
        var shiftedWeightSums = [Int64](repeating: 0, count: units)
        for (i, w) in weights.enumerated() { shiftedWeightSums[i % units] += w }
        var thresholds: [Int64] = [], actSteps: [Float] = []
        for u in 0..<units {
            let a = inputScale * delta[u]
            let b = u < bias.count ? Double(bias[u]) : 0
            var fire = Double(a) * (Double(threshold32) - b)
            if p.type == .inputConvolutional, inputShift != 0 {
                fire += Double(shiftedWeightSums[u]) * inputShift
            }
            fire *= Double(gapFactor)
            thresholds.append(try integral(fire.rounded(.down), layer: name, what: "a threshold"))
            actSteps.append(Float(Double(a) * actStepKeras) * Float(gapFactor))
        }
        let w = VariableWriter(layer: name)
        let variables: [String: AkidaVariable] = [
            "weights": try w.ints("weights", .int8, shape: shape, weights),
            "threshold": try w.ints("threshold", .int32, shape: [units], thresholds),
            "act_step": try w.floats("act_step", shape: [units], actSteps),
        ]
        var params = p.params
        if p.type == .fullyConnected {
            params["act_bits"] = params["act_bits"] ?? 1
            params["activation"] = params["activation"] ?? 0
        }
        let inputShapes = p.type == .inputConvolutional ? [input] : [previous?.outputShape ?? input]
        layers.append(
            AkidaLayer(
                name: name, type: p.type, parameters: params, variables: variables,
                inbounds: previous.map { [$0.name] } ?? [], inputShapes: inputShapes, outputShape: output))
    }
}
