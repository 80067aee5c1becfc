// Sanitizing pass 16b (reference §5.3): an identity convolution after an Add/Concatenate that no
// convolution reads.
import KerasGraph

extension Sanitizer {
    public enum IdentityConvAfterSkips: SanitizePass {
        public static let name = "insert_identity_after_skips"

        /// (b) an Add/Concatenate with a 4-D output none of whose readers is a convolution.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            let shapes = LayerRegistry.outputShapes(of: g)
            let targets = g.nodes.filter { n in
                guard ["Add", "Concatenate"].contains(layerClass(n)), let s = shapes[n.name], s.count == 3,
                    s[2] <= maxChannels
                else { return false }
                return !g.outbound(of: n.name).contains { g[$0].map { convClasses.contains(layerClass($0)) } == true }
            }.map(\.name)
            return try insertIdentityConvs(g, after: targets)
        }

        static let convClasses: Set<String> = ["Conv2D", "DepthwiseConv2D", "Conv2DTranspose", "PaddedConv2D"]
    }
}
