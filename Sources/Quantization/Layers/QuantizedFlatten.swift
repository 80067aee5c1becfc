// QuantizedFlatten (reference §7.12): a per-axis input is first expanded to per-tensor frac
// bits (the shifts are recorded). Its constructor takes no quant_config.
import KerasGraph

enum QuantizedFlatten: QuantizedLayerType {
    static let className = "QuantizedFlatten"
    static let floatClasses = ["Flatten"]
    static let holdsOutputQuantizer = false
    static let needsAlignedInputs = true
    static let equalization = EqualizationRole.reshapes

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        // A non-empty q_config entry keeps the layer float.
        guard quantConfig.isEmpty else { return nil }
        return .object(kept(node.config, ["data_format"]))
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { FlattenOp(name: layer.name) }
}

struct FlattenOp: LayerOp {
    let name: String
    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try expectQuantized(inputs[0], layer: name)
        guard !x.isQFloat else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "QuantizedFlatten only accepts FixedPoint inputs")
        }
        if !x.isPerTensor { x = try x.expanded(to: x.valueBits) }
        x.shape = [x.shape.first ?? 1, x.shape.dropFirst().reduce(1, *)]
        return .quantized(x)
    }
}

extension FlattenOp {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        var r = LayerIntegers()
        r.inputShift = expandShifts(try expectQuantized(inputs[0], layer: name))
        return r
    }
}
