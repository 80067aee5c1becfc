// Sanitizing pass 16c (reference §5.3): an identity convolution after the input convolution block
// when several layers read it.
import KerasGraph

extension Sanitizer {
    public enum IdentityConvAfterInputBlock: SanitizePass {
        public static let name = "insert_identity_after_hrc"

        /// (c) the input convolution block (Conv2D on 1 or 3 channels, then ReLU/MaxPool/Activation)
        /// feeding several layers gets an identity conv after its last layer.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            guard g.inputs.count == 1, var target = g.inputs.first else { return g }
            while let n = g[target], ["InputLayer", "Rescaling"].contains(layerClass(n)),
                g.outbound(of: target).count == 1
            {
                target = g.outbound(of: target)[0]
            }
            let shapes = LayerRegistry.outputShapes(of: g)
            guard let conv = g[target], layerClass(conv) == "Conv2D", let src = conv.inputs.first?.layer,
                let cin = shapes[src]?.last, [1, 3].contains(cin)
            else { return g }
            while g.outbound(of: target).count == 1, let next = g[g.outbound(of: target)[0]],
                ["ReLU", "MaxPooling2D", "MaxPool2D"].contains(layerClass(next))
            {
                target = next.name
            }
            guard g.outbound(of: target).count > 1 else { return g }
            return try insertIdentityConvs(g, after: [target])
        }
    }
}
