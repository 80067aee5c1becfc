// QuantizedDense (reference §7.6): per-unit weights, a 28-bit accumulator, QFloat inputs accepted.
import KerasGraph

enum QuantizedDense: QuantizedLayerType {
    static let className = "QuantizedDense"
    static let floatClasses = ["Dense"]
    static let hasWeights = true
    static let foldsInputZeroPoint = true
    static let needsAlignedInputs = true
    static let equalization = EqualizationRole.absorbs

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        WeightLayerConfig.quantizedConfig(of: node, quantConfig: quantConfig) {
            WeightLayerConfig.completeSingleKernel(&$0, params: params)
        }
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp {
        try WeightLayerOp(layer, kind: .dense, mode: mode)
    }
}
