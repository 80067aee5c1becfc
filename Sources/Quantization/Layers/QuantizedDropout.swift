// QuantizedDropout (reference §7.15): the identity at inference; not removed by sanitizing.
import KerasGraph

enum QuantizedDropout: QuantizedLayerType {
    static let className = "QuantizedDropout"
    static let floatClasses = ["Dropout"]
    static let holdsOutputQuantizer = false
    static let equalization = EqualizationRole.passes

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        .object(kept(node.config, ["rate", "noise_shape", "seed"]))
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { IdentityOp() }
}
