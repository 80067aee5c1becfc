// Sanitizing pass 15 (reference §5.3): a strided 5x5/7x7 DepthwiseConv2D becomes a stride-1 one
// followed by a strided identity depthwise.
import KerasGraph
import Tensors

extension Sanitizer {
    public enum SplitStridedDepthwise: SanitizePass {
        public static let name = "split_dw_layers"

        /// A 'same' DepthwiseConv2D with stride 2 and kernel 5 or 7 becomes stride 1 followed by a
        /// bias-free 3×3 stride-2 identity depthwise `<name>_identity_dw_conv`.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            let shapes = LayerRegistry.outputShapes(of: g)
            var out = g
            for node in g.nodes where layerClass(node) == "DepthwiseConv2D" {
                guard node.configString("padding") == "same", let k = node.configPair("kernel_size"), k.0 == k.1,
                    [5, 7].contains(k.0), node.configPair("strides").map({ $0 == (2, 2) }) == true,
                    let c = shapes[node.name]?.last
                else { continue }
                out[node.name]?.setConfig("strides", LayerTemplates.pair(1, 1))
                let name = "\(node.name)_identity_dw_conv"
                var id = GraphNode(
                    name: name, className: "DepthwiseConv2D",
                    config: LayerTemplates.depthwiseConv2D(
                        name: name, kernel: 3, strides: 2, padding: "same", useBias: false),
                    inputs: [TensorRef(layer: node.name)], weights: [])
                var kernel = Tensor<Float>(shape: [3, 3, c, 1], repeating: 0)
                for ch in 0..<c { kernel.scalars[4 * c + ch] = 1 }
                id.setTensor("depthwise_kernel", kernel)
                out.insert(id, after: node.name)
            }
            return out
        }
    }
}
