// Sanitizing pass 10 (reference §5.3): a BatchNormalization after a pooling layer moves before it.
import KerasGraph

extension Sanitizer {
    public enum InvertBatchNormPooling: SanitizePass {
        public static let name = "invert_batchnorm_pooling"

        /// `MaxPool2D → BN` and `GlobalAveragePooling2D → BN` become `BN → pooling`.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            let found = pairs(
                g, first: ["MaxPooling2D", "MaxPool2D", "GlobalAveragePooling2D", "GlobalAvgPool2D"],
                second: ["BatchNormalization"])
            for (pool, bn) in found where g[pool].map { layerClass($0).hasPrefix("Max") } == true {
                if let gamma = g[bn]?.tensor("gamma"), gamma.scalars.contains(where: { $0 <= 0 }) {
                    throw TransformFailure(
                        layer: bn, reason: "negative gammas in BatchNormalization \(bn) after a MaxPool2D")
                }
            }
            var out = invert(g, found)
            for (pool, bn) in found where g[pool].map { layerClass($0).hasPrefix("Global") } == true {
                out[bn]?.setConfig("axis", .array([.number(-1)]))
            }
            return out
        }
    }
}
