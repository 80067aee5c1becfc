// QuantizedDepthwiseConv2DTranspose: quantizes quantizeml's DepthwiseConv2DTranspose. Its kernel
// (kh, kw, C, 1) is quantized per-tensor (the weight quantizer's axis is forced to None), its
// FixedPoint inputs are expanded to per-tensor frac bits, a 28-bit accumulator.
import KerasGraph

enum QuantizedDepthwiseConv2DTranspose: QuantizedWeightLayerType {
    static let className = "QuantizedDepthwiseConv2DTranspose"
    static let floatClasses = ["DepthwiseConv2DTranspose"]
    static let kind = WeightLayerOp.Kind.depthwiseTranspose

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        WeightLayerConfig.quantizedConfig(of: node, quantConfig: quantConfig) {
            WeightLayerConfig.completeSingleKernel(&$0, params: params, axis: .null)
        }
    }
}
