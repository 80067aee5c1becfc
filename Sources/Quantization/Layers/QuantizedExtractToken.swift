// QuantizedExtractToken: `tf.gather` of one token on FixedPoint inputs (no OutputQuantizer,
// aligned inputs); gathering the last axis of a per-axis tensor keeps that token's frac bits.
import KerasGraph
import Tensors

enum QuantizedExtractToken: QuantizedLayerType {
    static let className = "QuantizedExtractToken"
    static let floatClasses = ["ExtractToken"]
    static let holdsOutputQuantizer = false
    static let needsAlignedInputs = true

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        .object(kept(node.config, ["token", "axis"]))
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp {
        guard let token = layer.config["token"]?.int, token >= 0 else {
            throw QuantizedModelError.arithmetic(layer: layer.name, reason: "'token' must be a non-negative index")
        }
        return ExtractTokenOp(name: layer.name, token: token, axis: layer.config["axis"]?.int ?? 1)
    }
}

struct ExtractTokenOp: LayerOp {
    let name: String
    let token: Int
    let axis: Int

    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try expectQuantized(inputs[0], layer: name, what: "a FixedPoint")
        guard !x.isQFloat else {
            throw QuantizedModelError.arithmetic(
                layer: name, reason: "QuantizedExtractToken only accepts FixedPoint inputs")
        }
        let rank = x.shape.count
        let a = axis < 0 ? rank + axis : axis
        guard a >= 1, a < rank, token < x.shape[a] else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "token \(token) on axis \(axis) is out of range")
        }
        let gathered = ExtractTokenLayer.gather(Tensor(shape: x.shape, scalars: x.values), token: token, axis: a)
        if a == rank - 1 && !x.fracBits.isUniform { x.fracBits = ChannelParam(scalar: x.fracBits[token]) }
        x.values = gathered.scalars
        x.shape = gathered.shape
        return .quantized(x)
    }
}
