// Sanitizing pass 16e (reference §5.3): a layer with more than two readers gets identity
// convolutions until it has two.
import KerasGraph

extension Sanitizer {
    public enum IdentityConvsForTwoOutbounds: SanitizePass {
        public static let name = "insert_identity_to_force_two_outbounds"

        /// (e) a 4-D layer with more than two readers gets identity convs until it has two.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            let shapes = LayerRegistry.outputShapes(of: g)
            var out = g
            for n in g.nodes {
                var readers = g.outbound(of: n.name)
                guard readers.count > 2, let s = shapes[n.name], s.count == 3, s[2] <= maxChannels else { continue }
                while readers.count > 2 {
                    let id = identityConv("\(n.name)_identity_conv_\(readers.count)", after: n.name, channels: s[2])
                    let a = readers.removeLast(), b = readers.removeLast()
                    out.rewire(a, from: n.name, to: id.name)
                    out.rewire(b, from: n.name, to: id.name)
                    readers.append(id.name)
                    out.nodes.insert(id, at: (out.index(of: n.name) ?? 0) + 1)
                }
            }
            return out
        }
    }
}
