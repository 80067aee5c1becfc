// Sanitizing pass 16d (reference §5.3): an Add/Concatenate reading one tensor twice gets an
// identity convolution on its first input.
import KerasGraph

extension Sanitizer {
    public enum IdentityConvForSameInbounds: SanitizePass {
        public static let name = "insert_identity_to_force_different_inbounds"

        /// (d) an Add/Concatenate reading the same tensor twice: an identity conv on its first input.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            let shapes = LayerRegistry.outputShapes(of: g)
            var out = g
            for n in g.nodes
            where ["Add", "Concatenate"].contains(layerClass(n)) && n.inputs.count == 2 && n.inputs[0] == n.inputs[1] {
                let source = n.inputs[0].layer
                guard let c = shapes[source]?.last, c <= maxChannels else { continue }
                let id = identityConv("\(source)_identity_conv", after: source, channels: c)
                out.nodes.insert(id, at: (out.index(of: source) ?? 0) + 1)
                out[n.name]?.inputs[0] = TensorRef(layer: id.name)
            }
            return out
        }
    }
}
