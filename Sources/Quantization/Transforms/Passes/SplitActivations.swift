// Sanitizing pass 1 (reference §5.3): a layer with a fused activation becomes the layer with a
// linear activation followed by an Activation layer.
import KerasGraph

extension Sanitizer {
    public enum SplitActivations: SanitizePass {
        public static let name = "split_layers_with_activations"

        /// Every non-Activation layer with a non-linear `activation` gets `linear` and an
        /// `Activation(<function>)` named `<layer>_activ` after it.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            var out = g
            for node in g.nodes where layerClass(node) != "Activation" {
                guard let fn = node.activationName, fn != "linear" else { continue }
                out[node.name]?.setConfig("activation", .string("linear"))
                let act = GraphNode(
                    name: "\(node.name)_activ", className: "Activation",
                    config: LayerTemplates.activation(name: "\(node.name)_activ", function: fn),
                    inputs: [TensorRef(layer: node.name)], weights: [])
                out.insert(act, after: node.name)
            }
            return out
        }
    }
}
