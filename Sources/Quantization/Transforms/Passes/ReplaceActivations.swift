// Sanitizing pass 2 (reference §5.3): Activation('relu') becomes a ReLU layer.
import KerasGraph

extension Sanitizer {
    public enum ReplaceActivations: SanitizePass {
        public static let name = "replace_activations"

        /// `Activation('relu')` becomes an unbounded `ReLU` of the same name.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            var out = g
            for node in g.nodes where layerClass(node) == "Activation" && node.activationName == "relu" {
                out[node.name]?.className = "ReLU"
                out[node.name]?.config = LayerTemplates.relu(name: node.name)
            }
            return out
        }
    }
}
