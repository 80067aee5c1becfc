// Sanitizing pass 6 (reference §5.3): a grouped Conv2D with one group per channel becomes a
// DepthwiseConv2D.
import KerasGraph
import Tensors

extension Sanitizer {
    public enum ConvToDepthwise: SanitizePass {
        public static let name = "convert_conv_to_dw_conv"

        /// A Conv2D with `groups == filters == input channels` is a DepthwiseConv2D.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            let shapes = LayerRegistry.outputShapes(of: g)
            var out = g
            for node in g.nodes where layerClass(node) == "Conv2D" {
                guard let groups = node.configInt("groups"), groups > 1, let filters = node.configInt("filters"),
                    let src = node.inputs.first, let cin = shapes[src.layer]?.last,
                    groups == filters, filters == cin, let kernel = node.tensor("kernel")
                else { continue }
                let k = node.configPair("kernel_size") ?? (1, 1)
                let s = node.configPair("strides") ?? (1, 1)
                guard k.0 == k.1, s.0 == s.1 else { continue }
                var dw = node
                dw.className = "DepthwiseConv2D"
                dw.config = LayerTemplates.depthwiseConv2D(
                    name: node.name, kernel: k.0, strides: s.0,
                    padding: node.configString("padding") ?? "valid",
                    useBias: node.configBool("use_bias") ?? true)
                dw.weights = []
                // (h, w, 1, C) and (h, w, C, 1) share the same element order.
                dw.setTensor("depthwise_kernel", kernel.reshaped([kernel.shape[0], kernel.shape[1], cin, 1]))
                if let b = node.tensor("bias") { dw.setTensor("bias", b) }
                out[node.name] = dw
            }
            return out
        }
    }
}
