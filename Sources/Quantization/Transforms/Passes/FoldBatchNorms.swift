// Sanitizing pass 11 (reference §5.3): a BatchNormalization after a weight layer is folded into
// its kernel and bias.
import KerasGraph
import Tensors

extension Sanitizer {
    public enum FoldBatchNorms: SanitizePass {
        public static let name = "fold_batchnorms"

        /// Folds each BatchNormalization that directly follows a weight layer (its only outbound)
        /// into that layer: `W' = W·s`, `b' = β + (b − μ)·s`, `s = γ / sqrt(var + ε)` in float32.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            let found = pairs(g, first: foldTargets, second: ["BatchNormalization"])
            if found.isEmpty { return g }
            let shapes = LayerRegistry.outputShapes(of: g)
            var out = g
            for (layer, bnName) in found {
                guard let bn = g[bnName], var target = out[layer], let mean = bn.tensor("moving_mean"),
                    let variance = bn.tensor("moving_variance")
                else { throw TransformFailure(layer: bnName, reason: "BN weights") }
                let c = mean.count
                let gamma = bn.tensor("gamma")?.scalars ?? [Float](repeating: 1, count: c)
                let beta = bn.tensor("beta")?.scalars ?? [Float](repeating: 0, count: c)
                if gamma.contains(0) { throw TransformFailure(layer: bnName, reason: "null gammas in \(bnName)") }
                let rank = shapes[layer]?.count ?? 3
                let axes = bn.config["axis"]?.array?.compactMap(\.int) ?? bn.config["axis"]?.int.map { [$0] } ?? [-1]
                guard axes.count == 1, axes[0] == -1 || axes[0] == rank else {
                    throw TransformFailure(
                        layer: bnName, reason: "The BatchNormalization must be applied on the last axis.")
                }
                let eps = Float(bn.config["epsilon"]?.double ?? 1e-3)
                let s = (0..<c).map { gamma[$0] / (variance.scalars[$0] + eps).squareRoot() }
                let kernelName: String
                switch layerClass(target) {
                case "SeparableConv2D": kernelName = "pointwise_kernel"
                case "DepthwiseConv2D", "DepthwiseConv2DTranspose": kernelName = "depthwise_kernel"
                default: kernelName = "kernel"
                }
                guard let kernel = target.tensor(kernelName) else {
                    throw TransformFailure(layer: layer, reason: "no kernel")
                }
                // Depthwise (h, w, C, 1) and transposed (h, w, F, C): the channel axis is the third one.
                let axis = kernelName == "depthwise_kernel" || layerClass(target) == "Conv2DTranspose" ? -2 : -1
                let bias = target.tensor("bias")?.scalars ?? [Float](repeating: 0, count: c)
                target.setTensor(kernelName, kernel.scaled(along: axis, by: s))
                target.setTensor(
                    "bias",
                    Tensor(shape: [c], scalars: (0..<c).map { beta[$0] + (bias[$0] - mean.scalars[$0]) * s[$0] }))
                target.setConfig("use_bias", .bool(true))
                out[layer] = target
                out.bypass(bnName)
            }
            return out
        }

        static let foldTargets: Set<String> = [
            "Conv2D", "PaddedConv2D", "SeparableConv2D", "DepthwiseConv2D", "Dense", "Conv2DTranspose",
            "DepthwiseConv2DTranspose", "BufferTempConv", "DepthwiseBufferTempConv",
        ]
    }
}
