// QuantizedDense (reference §7.6): per-unit weights, a 28-bit accumulator, QFloat inputs accepted.
import KerasGraph

enum QuantizedDense: QuantizedWeightLayerType {
    static let className = "QuantizedDense"
    static let floatClasses = ["Dense"]
    static let foldsInputZeroPoint = true
    static let kind = WeightLayerOp.Kind.dense

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        WeightLayerConfig.quantizedConfig(of: node, quantConfig: quantConfig) {
            WeightLayerConfig.completeSingleKernel(&$0, params: params)
        }
    }
}
