// Sanitizing pass 13 (reference §5.3): a Concatenate of more than two inputs becomes a chain of
// two-input Concatenates.
import KerasGraph

extension Sanitizer {
    public enum SplitConcatenate: SanitizePass {
        public static let name = "split_concat_layers"

        /// A Concatenate of n > 2 inputs becomes a chain of two-input Concatenates.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            var out = g
            for node in g.nodes where layerClass(node) == "Concatenate" && node.inputs.count > 2 {
                var previous = node.inputs[0]
                var chain: [GraphNode] = []
                for (i, input) in node.inputs.enumerated().dropFirst() {
                    let last = i == node.inputs.count - 1
                    let name = last ? node.name : "\(node.name)_\(input.layer)"
                    var part = node
                    part.name = name
                    part.config = node.config.setting("name", to: .string(name))
                    part.inputs = [previous, input]
                    chain.append(part)
                    previous = TensorRef(layer: name)
                }
                guard let at = out.index(of: node.name) else { continue }
                out.nodes.replaceSubrange(at...at, with: chain)
            }
            return out
        }
    }
}
