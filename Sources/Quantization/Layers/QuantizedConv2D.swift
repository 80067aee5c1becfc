// QuantizedConv2D (reference §7.3): quantizes Conv2D and the PaddedConv2D that Rescaling
// alignment makes; per-output-channel weights, an optional padding value, a 28-bit accumulator.
import KerasGraph

enum QuantizedConv2D: QuantizedWeightLayerType {
    static let className = "QuantizedConv2D"
    static let floatClasses = ["Conv2D", "PaddedConv2D"]
    static let foldsInputZeroPoint = true
    static let kind = WeightLayerOp.Kind.conv

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        if let g = node.config["groups"]?.int, g != 1 { return nil }
        return WeightLayerConfig.quantizedConfig(of: node, quantConfig: quantConfig) {
            WeightLayerConfig.completeSingleKernel(&$0, params: params)
        }
    }
}
