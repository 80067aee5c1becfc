// QuantizedDepthwiseConv2D (reference §7.4): per-channel weights quantized along axis −2, inputs
// kept per-axis (not expanded), a 28-bit accumulator.
import KerasGraph

enum QuantizedDepthwiseConv2D: QuantizedWeightLayerType {
    static let className = "QuantizedDepthwiseConv2D"
    static let floatClasses = ["DepthwiseConv2D"]
    static let kind = WeightLayerOp.Kind.depthwise

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        WeightLayerConfig.quantizedConfig(of: node, quantConfig: quantConfig) {
            WeightLayerConfig.completeSingleKernel(&$0, params: params, axis: .number(-2))
        }
    }
}
