// QuantizedStatefulProjection: QuantizeML's QuantizedDense (same weights, 28-bit accumulator,
// QFloat inputs accepted) after the timestep subsampling `x[:, (s - 1)::s, :]` of its
// StatefulProjection config.
import KerasGraph
import Tensors

enum QuantizedStatefulProjection: QuantizedWeightLayerType {
    static let className = "QuantizedStatefulProjection"
    static let floatClasses = ["StatefulProjection"]
    static let foldsInputZeroPoint = true
    static let kind = WeightLayerOp.Kind.dense

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        WeightLayerConfig.quantizedConfig(of: node, quantConfig: quantConfig) {
            WeightLayerConfig.completeSingleKernel(&$0, params: params)
        }
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp {
        let factor = layer.config["subsample"]?.int ?? 1
        guard factor >= 1 else {
            throw QuantizedModelError.arithmetic(layer: layer.name, reason: "subsample must be a positive integer")
        }
        return SubsampledOp(name: layer.name, factor: factor, inner: try WeightLayerOp(layer, kind: kind, mode: mode))
    }
}

/// An op applied to the timesteps `factor-1, 2·factor-1, ...` of its (N, T, C) input.
struct SubsampledOp: LayerOp {
    let name: String
    let factor: Int
    let inner: LayerOp

    func subsampled(_ inputs: [QValue]) throws -> [QValue] {
        guard factor > 1 else { return inputs }
        let t = inputs[0].shape.count >= 2 ? inputs[0].shape[1] : 0
        guard t % factor == 0 else {
            throw QuantizedModelError.arithmetic(
                layer: name, reason: "\(t) timesteps are not a multiple of the subsample ratio \(factor)")
        }
        switch inputs[0] {
        case .quantized(var q):
            let kept = Sequence1D.subsample(Tensor(shape: q.shape, scalars: q.values), factor: factor)
            q.values = kept.scalars
            q.shape = kept.shape
            return [.quantized(q)]
        case .raw(let t, let dtype): return [.raw(Sequence1D.subsample(t, factor: factor), dtype)]
        case .float(let t): return [.float(Sequence1D.subsample(t, factor: factor))]
        }
    }

    func forward(_ inputs: [QValue]) throws -> QValue { try inner.forward(subsampled(inputs)) }

    func integers(_ inputs: [QValue]) throws -> LayerIntegers? { try inner.integers(subsampled(inputs)) }
}
