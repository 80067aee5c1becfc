// Sanitizing pass 12 (reference §5.3): ZeroPadding2D → valid convolution becomes a same convolution.
import KerasGraph

extension Sanitizer {
    public enum RemoveZeroPadding: SanitizePass {
        public static let name = "remove_zeropadding2d"

        /// `ZeroPadding2D → Conv('valid')` becomes `Conv('same')` when the output size times the
        /// stride equals the ZeroPadding2D input size on both axes (the reference does not compare amounts).
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            let shapes = LayerRegistry.outputShapes(of: g)
            var out = g
            for pad in g.nodes where layerClass(pad) == "ZeroPadding2D" {
                let next = g.outbound(of: pad.name)
                guard next.count == 1, pad.inputs.count == 1, let conv = g[next[0]],
                    ["Conv2D", "SeparableConv2D", "DepthwiseConv2D"].contains(layerClass(conv)),
                    conv.configString("padding") == "valid", let unpadded = shapes[pad.inputs[0].layer],
                    let convOut = shapes[conv.name]
                else { continue }
                let s = conv.configPair("strides") ?? (1, 1)
                guard convOut[0] * s.0 == unpadded[0], convOut[1] * s.1 == unpadded[1] else { continue }
                out[conv.name]?.setConfig("padding", .string("same"))
                out.bypass(pad.name)
            }
            return out
        }
    }
}
