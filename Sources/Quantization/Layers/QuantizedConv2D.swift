// QuantizedConv2D (reference §7.3): quantizes Conv2D and the PaddedConv2D that Rescaling
// alignment makes; per-output-channel weights, an optional padding value, a 28-bit accumulator.
import KerasGraph

enum QuantizedConv2D: QuantizedLayerType {
    static let className = "QuantizedConv2D"
    static let floatClasses = ["Conv2D", "PaddedConv2D"]
    static let hasWeights = true
    static let foldsInputZeroPoint = true
    static let needsAlignedInputs = true
    static let equalization = EqualizationRole.absorbs

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        if let g = node.config["groups"]?.int, g != 1 { return nil }
        return WeightLayerConfig.quantizedConfig(of: node, quantConfig: quantConfig) {
            WeightLayerConfig.completeSingleKernel(&$0, params: params)
        }
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp {
        try WeightLayerOp(layer, kind: .conv, mode: mode)
    }
}
