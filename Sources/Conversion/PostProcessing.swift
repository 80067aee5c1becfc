// PostProcessing: the Akida 1.0 model-wide pass after every layer is built: act_steps and
// thresholds capped to the hardware limits, the excess moved into the next layer's weights.
import AkidaModel

extension AkidaAssembler {
    /// Caps act_step (and thresholds) of every layer but the last to the hardware limits, moving
    /// the excess into the next layer's weights; returns the reference's warnings.
    mutating func equalizeV1ActSteps() throws -> [String] {
        var warnings: [String] = []
        guard layers.count > 1 else { return warnings }
        for index in 0..<(layers.count - 1) {
            let l = layers[index]
            guard let actStep = l.variables["act_step"] else { continue }
            let limit: Float = l.type == .inputConvolutional ? Float((1 << 20) - 1) : Float((1 << 16) - 1)
            let old = actStep.floats
            guard old.contains(where: { $0 > limit }) else { continue }
            let ratio = old.map { $0 > limit ? $0 / limit : 1 }
            let new = old.map { $0 > limit ? limit : $0 }
            let w = VariableWriter(layer: l.name)
            layers[index].variables["act_step"] = try w.floats("act_step", shape: actStep.shape, new)
            if l.parameters["activation"] == 1, let t = l.variables["threshold"] {
                let factor = Float(pow2(Double((l.parameters["act_bits"] ?? 4) - 4)))
                let updated = try (0..<t.integers.count).map { i -> Int64 in
                    let effect = roundHalfEven(0.5 * (new[i] - old[i])) / factor
                    return Int64(t.integers[i])
                        + (try integral(effect.rounded(.towardZero), layer: l.name, what: "a threshold"))
                }
                layers[index].variables["threshold"] = try w.ints("threshold", .int32, shape: t.shape, updated)
            }
            let next = layers[index + 1]
            guard let weights = next.variables["weights"], weights.shape.count == 4, weights.shape[2] == ratio.count
            else {
                throw ConversionError(
                    kind: .registerOverflow, layer: l.name, rule: "v1-act-step",
                    message:
                        "act_step of \(l.name) exceeds the hardware limit \(Int(limit)) and cannot be moved into "
                        + "\(next.name)",
                    fix: "re-quantize with larger activation ranges for '\(l.name)'", referenceType: "ValueError")
            }
            let channels = weights.shape[2], filters = weights.shape[3]
            let scaled = try weights.integers.enumerated().map { i, v -> Int64 in
                try integral(
                    (Float(v) / ratio[(i / filters) % channels]).rounded(.down), layer: next.name, what: "a weight")
            }
            layers[index + 1].variables["weights"] = try VariableWriter(layer: next.name)
                .ints("weights", .int8, shape: weights.shape, scaled)
        }
        for index in 0..<(layers.count - 1) {
            let l = layers[index]
            guard let t = l.variables["threshold"] else { continue }
            let limit = Int32(l.type == .inputConvolutional ? (1 << 23) - 1 : (1 << 19) - 1)
            if t.integers.contains(where: { $0 > limit }) {
                layers[index].variables["threshold"] = try VariableWriter(layer: l.name)
                    .ints("threshold", .int32, shape: t.shape, t.integers.map { Int64(min($0, limit)) })
                warnings.append(
                    "The \(l.name) layer holds very high threshold values which are not compatible with the hardware. "
                        + "Those are clipped to the maximum supported value \(limit). Continuing execution."
                )
            }
        }
        return warnings
    }
}
