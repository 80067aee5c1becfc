// Sanitizing pass 14 (reference §5.3): even 'same' kernels are embedded in odd ones that give
// TensorFlow's SAME result.
import KerasGraph
import Tensors

extension Sanitizer {
    public enum EvenToOddKernels: SanitizePass {
        public static let name = "convert_even_to_odd_kernel"

        /// The reference selects its layers with `isinstance(Conv2D / DepthwiseConv2D)`, which
        /// also holds for their transposed subclasses.
        static let convolutionClasses: Set = ["Conv2D", "Conv2DTranspose"]
        static let depthwiseClasses: Set = ["DepthwiseConv2D", "DepthwiseConv2DTranspose"]

        /// 'same' Conv2D/DepthwiseConv2D kernels (transposed ones included) of size 2, 4, 6
        /// (stride 1) or 2 (stride 2) are embedded in a zero kernel one larger, placed so that the
        /// result equals TF's SAME.
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            let shapes = LayerRegistry.outputShapes(of: g)
            var out = g
            for node in g.nodes where convolutionClasses.union(depthwiseClasses).contains(layerClass(node)) {
                let isConvolution = convolutionClasses.contains(layerClass(node))
                guard node.configString("padding") == "same", let k = node.configPair("kernel_size"), k.0 == k.1,
                    let s = node.configPair("strides"), s.0 == s.1, let src = node.inputs.first?.layer,
                    let inShape = shapes[src], inShape.count == 3
                else { continue }
                var eligible = (s.0 == 1 && [2, 4, 6].contains(k.0)) || (s.0 == 2 && k.0 == 2)
                if isConvolution && fedByInput(g, node.name) && [1, 3].contains(inShape[2]) {
                    eligible = [2, 6].contains(k.0) && [1, 2].contains(s.0)
                }
                guard eligible else { continue }
                let kname = isConvolution ? "kernel" : "depthwise_kernel"
                guard let kernel = node.tensor(kname) else { continue }
                let (dy, dx) = s.0 == 1 ? (1, 1) : (inShape[0] % 2, inShape[1] % 2)
                let n = k.0 + 1, ci = kernel.shape[2], co = kernel.shape[3]
                var grown = Tensor<Float>(shape: [n, n, ci, co], repeating: 0)
                for y in 0..<k.0 {
                    for x in 0..<k.1 {
                        for c in 0..<(ci * co) {
                            grown.scalars[((y + dy) * n + x + dx) * ci * co + c] =
                                kernel.scalars[(y * k.1 + x) * ci * co + c]
                        }
                    }
                }
                out[node.name]?.setTensor(kname, grown)
                out[node.name]?.setConfig("kernel_size", LayerTemplates.pair(n, n))
            }
            return out
        }

        /// True when `name` reads the model input, possibly through Rescaling layers.
        static func fedByInput(_ g: LayerGraph, _ name: String) -> Bool {
            var current = g[name]?.inputs.first?.layer
            while let c = current, let n = g[c] {
                if layerClass(n) == "InputLayer" { return true }
                guard layerClass(n) == "Rescaling" else { return false }
                current = n.inputs.first?.layer
            }
            return false
        }
    }
}
