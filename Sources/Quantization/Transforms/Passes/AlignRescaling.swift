// Sanitizing pass 8 (reference §5.3): a per-channel scale or a non-zero offset of the first
// Rescaling is folded into the following Conv2D/Dense; calibration reuses the offset folding for
// the zero point of an unsigned InputQuantizer (§6.5).
import KerasGraph
import Tensors

extension Sanitizer {
    public enum AlignRescaling: SanitizePass {
        public static let name = "align_rescaling"

        /// Folds a per-channel scale and/or a non-zero offset of the first Rescaling into the
        /// following Conv2D/Dense (explicit SAME padding with a padding value for a 'same' Conv2D).
        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            guard let rescaling = g.nodes.first(where: { layerClass($0) == "Rescaling" }) else { return g }
            let scale = values(rescaling.config["scale"]), offset = values(rescaling.config["offset"])
            if scale.count <= 1 && offset.allSatisfy({ $0 == 0 }) { return g }
            let next = g.outbound(of: rescaling.name)
            guard next.count == 1 else {
                throw TransformFailure(
                    layer: rescaling.name,
                    reason: "Found a non-aligned Rescaling layer in the model with multiple outbounds "
                        + "which is not supported."
                )
            }
            guard var dst = g[next[0]], ["Conv2D", "Dense"].contains(layerClass(dst)) else {
                throw TransformFailure(
                    layer: rescaling.name, reason: "Layer after Rescaling not supported, must be Conv2D or Dense.")
            }
            var out = g
            if dst.configBool("use_bias") != true {
                dst.setConfig("use_bias", .bool(true))
                let filters = dst.tensor("kernel")?.shape.last ?? 0
                dst.setTensor("bias", Tensor(shape: [filters], repeating: 0))
            }
            if layerClass(dst) == "Conv2D" && dst.configString("padding") == "same" {
                dst.className = "PaddedConv2D"
                dst.setConfig("padding", .string("valid"))
                dst.setConfig("padding_value", .array([.number(0)]))
            }
            try foldOffset(offset, into: &dst)
            if scale.count > 1 {
                if let pv = dst.config["padding_value"]?.array?.compactMap(\.double) {
                    let padded = (0..<max(pv.count, scale.count)).map {
                        Double(Float(pv[pv.count == 1 ? 0 : $0]) / Float(scale[$0]))
                    }
                    dst.setConfig("padding_value", .array(padded.map { .number($0) }))
                }
                guard let kernel = dst.tensor("kernel") else {
                    throw TransformFailure(layer: dst.name, reason: "no kernel")
                }
                dst.setTensor("kernel", kernel.scaled(along: -2, by: scale.map { Float($0) }))
            }
            var r = rescaling
            r.setConfig("offset", .number(0))
            if scale.count > 1 { r.setConfig("scale", .number(1)) }
            out[rescaling.name] = r
            out[dst.name] = dst
            return out
        }

        /// `bias += Σ kernel·offset_c` (float32, in flattened kernel order) and, for an explicitly
        /// padded convolution, `padding_value -= offset` (one value when all are equal).
        static func foldOffset(_ offset: [Double], into dst: inout GraphNode) throws {
            guard let kernel = dst.tensor("kernel"), let bias = dst.tensor("bias") else {
                throw TransformFailure(layer: dst.name, reason: "\(dst.name) must have a kernel and a bias.")
            }
            if let pv = dst.config["padding_value"]?.array?.compactMap(\.double) {
                var values = (0..<max(pv.count, offset.count)).map {
                    pv[pv.count == 1 ? 0 : $0] - offset[offset.count == 1 ? 0 : $0]
                }
                if values.allSatisfy({ $0 == values[0] }) { values = [values[0]] }
                dst.setConfig("padding_value", .array(values.map { .number($0) }))
            }
            let cout = kernel.shape.last ?? 1, cin = kernel.shape.count >= 2 ? kernel.shape[kernel.rank - 2] : 1
            guard bias.count == cout else { throw TransformFailure(layer: dst.name, reason: "bias size") }
            var sums = [Float](repeating: 0, count: cout)
            let f = offset.map { Float($0) }
            for row in 0..<(kernel.count / cout) {
                let o = f.count == 1 ? f[0] : f[row % cin]
                for c in 0..<cout { sums[c] += kernel.scalars[row * cout + c] * o }
            }
            dst.setTensor("bias", Tensor(shape: bias.shape, scalars: zip(bias.scalars, sums).map { $0 + $1 }))
        }

        /// Scalars or per-channel lists of a Rescaling `scale`/`offset`.
        static func values(_ v: JSONValue?) -> [Double] {
            if let d = v?.double { return [d] }
            return v?.array?.compactMap(\.double) ?? [0]
        }
    }
}
