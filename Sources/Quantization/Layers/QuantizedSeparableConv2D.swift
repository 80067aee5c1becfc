// QuantizedSeparableConv2D (reference §7.5): a per-tensor depthwise kernel then a per-channel
// pointwise kernel on one accumulator; its buffer width is not capped at 28 bits.
import KerasGraph

enum QuantizedSeparableConv2D: QuantizedWeightLayerType {
    static let className = "QuantizedSeparableConv2D"
    static let floatClasses = ["SeparableConv2D"]
    static let kind = WeightLayerOp.Kind.separable

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        if let m = node.config["depth_multiplier"]?.int, m != 1 { return nil }
        return WeightLayerConfig.quantizedConfig(of: node, quantConfig: quantConfig) { qc in
            qc.setDefault("dw_weight_quantizer", WeightLayerConfig.quantizer(bits: params.weightBits))
            qc["dw_weight_quantizer"] = (qc["dw_weight_quantizer"] ?? .object([])).setting("axis", to: .null)
            qc.setDefault("pw_weight_quantizer", WeightLayerConfig.quantizer(bits: params.weightBits))
            guard acceptsBitwidth(qc["dw_weight_quantizer"]), acceptsBitwidth(qc["pw_weight_quantizer"]) else {
                return false
            }
            qc.setDefault("buffer_bitwidth", .number(Double(params.bufferBits)))
            return true
        }
    }
}
