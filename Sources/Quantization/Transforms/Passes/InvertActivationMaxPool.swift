// Sanitizing pass 9 (reference §5.3): ReLU → MaxPool2D becomes MaxPool2D → ReLU.
import KerasGraph

extension Sanitizer {
    public enum InvertActivationMaxPool: SanitizePass {
        public static let name = "invert_activation_maxpool"

        /// `ReLU → MaxPool2D` becomes `MaxPool2D → ReLU`.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            invert(g, pairs(g, first: ["ReLU"], second: ["MaxPooling2D", "MaxPool2D"]))
        }
    }
}
