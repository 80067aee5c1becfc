// QuantizedReshape (reference §7.12): changes the shape only; a per-axis tensor must keep its
// last dimension. Its constructor takes no quant_config.
import KerasGraph

enum QuantizedReshape: QuantizedLayerType {
    static let className = "QuantizedReshape"
    static let floatClasses = ["Reshape"]
    static let holdsOutputQuantizer = false
    static let equalization = EqualizationRole.reshapes

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        // A non-empty q_config entry keeps the layer float.
        guard quantConfig.isEmpty else { return nil }
        return .object(kept(node.config, ["target_shape"]))
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { try ReshapeOp(layer) }
}

struct ReshapeOp: LayerOp {
    let name: String
    let target: [Int]

    init(_ layer: QuantizedLayer) throws {
        name = layer.name
        guard let t = layer.config["target_shape"]?.array?.compactMap({ $0.int }) else {
            throw QuantizedModelError.invalidModel(layer: layer.name, reason: "target_shape is missing")
        }
        target = t
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try expectQuantized(inputs[0], layer: name)
        let shape = try outputShape(x.shape)
        if !x.isPerTensor && shape.last != x.channels {
            throw QuantizedModelError.arithmetic(
                layer: name, reason: "a per-axis tensor must keep its last dimension when reshaped")
        }
        x.shape = shape
        return .quantized(x)
    }

    /// `(batch, *target_shape)` with a `-1` resolved.
    func outputShape(_ input: [Int]) throws -> [Int] {
        let batch = input.first ?? 1
        let total = input.dropFirst().reduce(1, *)
        var shape = target
        if let i = shape.firstIndex(of: -1) {
            let known = shape.filter { $0 != -1 }.reduce(1, *)
            shape[i] = known == 0 ? 0 : total / known
        }
        guard shape.reduce(1, *) == total else {
            throw QuantizedModelError.invalidInput("layer '\(name)' cannot reshape \(input) to \(target)")
        }
        return [batch] + shape
    }
}
