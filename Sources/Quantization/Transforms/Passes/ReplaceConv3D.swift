// Sanitizing pass 4 (QuantizeML's replace_conv3d): the Conv3D form of a spatio-temporal TENN
// (5-D input (N, T, H, W, C)) becomes its streaming form over 4-D frames. A Conv3D with a temporal
// kernel of 1 becomes a Conv2D (or a DepthwiseConv2D when groups = channels = filters); a causal
// temporal Conv3D (kernel (k, 1, 1), stride 1, fed by a ZeroPadding3D of (k − 1, 0) on time)
// becomes a BufferTempConv (DepthwiseBufferTempConv when grouped); ZeroPadding3D and
// ActivityRegularization go, the AveragePooling3D over the whole frame becomes a
// GlobalAveragePooling2D, BatchNormalization, Reshape and Permute lose the time axis.
import KerasGraph
import Tensors

extension Sanitizer {
    public enum ReplaceConv3D: SanitizePass {
        public static let name = "replace_conv3d"

        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            guard let inputName = g.inputs.first, var input = g.node(named: inputName),
                let declared = input.config["batch_input_shape"]?.array, declared.count == 5
            else { return g }
            if let merge = g.nodes.first(where: { ["Add", "Subtract", "Concatenate"].contains(layerClass($0)) }) {
                throw TransformFailure(
                    layer: merge.name,
                    reason: "Add, Subtract and Concatenate are not supported for 5-dimensional models")
            }
            let shapes = LayerRegistry.outputShapes(of: g)
            var out = g
            for node in g.nodes where layerClass(node) == "Conv3D" {
                out[node.name] = try replaced(node, in: g, shapes: shapes)
            }
            input.setConfig("batch_input_shape", .array([declared[0]] + declared.dropFirst(2)))
            out[inputName] = input
            for node in g.nodes {
                switch layerClass(node) {
                case "BatchNormalization":
                    let axes =
                        node.config["axis"]?.array?.compactMap(\.int) ?? node.config["axis"]?.int.map { [$0] } ?? []
                    if axes.contains(1) {
                        throw TransformFailure(layer: node.name, reason: "BatchNormalization on the temporal dimension")
                    }
                    var bn = node
                    bn.setConfig("axis", .array(axes.map { .number(Double($0 > 0 ? $0 - 1 : $0)) }))
                    out[node.name] = bn
                case "AveragePooling3D":
                    out[node.name] = try globalPooling(node, shapes: shapes, g: g)
                case "Reshape", "Permute":
                    throw TransformFailure(
                        layer: node.name, reason: "\(layerClass(node)) in a 5-D model is not supported")
                case "ZeroPadding3D", "ActivityRegularization":
                    out.bypass(node.name)
                default: break
                }
            }
            return out
        }

        /// The 2-D or buffered layer a Conv3D becomes.
        static func replaced(_ node: GraphNode, in g: LayerGraph, shapes: [String: [Int]]) throws -> GraphNode {
            let k = node.config["kernel_size"]?.array?.compactMap(\.int) ?? []
            let s = node.config["strides"]?.array?.compactMap(\.int) ?? [1, 1, 1]
            let d = node.config["dilation_rate"]?.array?.compactMap(\.int) ?? [1, 1, 1]
            let groups = node.configInt("groups") ?? 1, filters = node.configInt("filters") ?? 0
            let cin = node.inputs.first.flatMap { shapes[$0.layer]?.last } ?? 0
            guard k.count == 3, s.count == 3, d.count == 3, let kernel = node.tensor("kernel") else {
                throw TransformFailure(layer: node.name, reason: "unreadable Conv3D")
            }
            let useBias = node.configBool("use_bias") ?? true
            var new = node
            new.weights = []
            if k[0] == 1 {
                if cin == groups && groups == filters && k[1] == k[2] && s[1] == s[2] {
                    new.className = "DepthwiseConv2D"
                    new.config = LayerTemplates.depthwiseConv2D(
                        name: node.name, kernel: k[1], strides: s[1], padding: node.configString("padding") ?? "valid",
                        useBias: useBias)
                    // (1, h, w, 1, F) holds its values in the order of (h, w, F, 1).
                    new.setTensor("depthwise_kernel", kernel.reshaped([k[1], k[2], filters, 1]))
                } else if groups == 1 {
                    new.className = "Conv2D"
                    for (key, v) in [("kernel_size", k), ("strides", s), ("dilation_rate", d)] {
                        new.setConfig(key, .array(v.dropFirst().map { .number(Double($0)) }))
                    }
                    new.setTensor("kernel", kernel.reshaped(Array(kernel.shape.dropFirst())))
                } else {
                    throw TransformFailure(
                        layer: node.name,
                        reason: "Conv2D layers with groups!=1 for quantization are not supported (groups=\(groups))")
                }
            } else {
                let padding = node.inputs.first.flatMap { g.node(named: $0.layer) }
                let causal =
                    padding.map {
                        layerClass($0) == "ZeroPadding3D"
                            && $0.config["padding"]
                                == .array([
                                    .array([.number(Double(k[0] - 1)), .number(0)]), .array([.number(0), .number(0)]),
                                    .array([.number(0), .number(0)]),
                                ])
                    } ?? false
                guard s == [1, 1, 1], d == [1, 1, 1], k[1] == 1, k[2] == 1, causal else {
                    throw TransformFailure(
                        layer: node.name,
                        reason: "Layer '\(node.name)' could not be replaced. The model cannot be "
                            + "sanitized or quantized.")
                }
                let depthwise = groups != 1
                new.className = depthwise ? "Custom>DepthwiseBufferTempConv" : "Custom>BufferTempConv"
                var config: [(String, JSONValue)] = ["name", "dtype"].compactMap { key in
                    node.config[key].map { (key, $0) }
                }
                config.insert(("trainable", .bool(false)), at: min(1, config.count))
                config += [("kernel_size", .number(Double(k[0]))), ("use_bias", .bool(useBias))]
                if !depthwise { config.append(("filters", .number(Double(filters)))) }
                new.config = .object(config)
                // (k, 1, 1, C, F) holds its values in the order of (1, 1, k·C, F); depthwise: (k, F).
                new.setTensor(
                    "kernel", kernel.reshaped(depthwise ? [k[0], filters] : [1, 1, k[0] * kernel.shape[3], filters]))
            }
            if useBias, let bias = node.tensor("bias") { new.setTensor("bias", bias) }
            return new
        }

        /// The AveragePooling3D over whole frames as a GlobalAveragePooling2D.
        static func globalPooling(_ node: GraphNode, shapes: [String: [Int]], g: LayerGraph) throws -> GraphNode {
            let pool = node.config["pool_size"]?.array?.compactMap(\.int) ?? []
            let strides = node.config["strides"]?.array?.compactMap(\.int) ?? pool
            let input = node.inputs.first.flatMap { shapes[$0.layer] } ?? []
            guard (node.configString("padding") ?? "valid") == "valid", pool.count == 3, pool[0] == 1,
                input.count == 4, Array(pool.dropFirst()) == Array(input[1...2]), strides == pool
            else {
                throw TransformFailure(
                    layer: node.name, reason: "To convert to GAP, the pool must cover whole frames with valid padding")
            }
            var gap = node
            gap.className = "GlobalAveragePooling2D"
            gap.config = .object(
                LayerTemplates.base(node.name) + [
                    ("data_format", .string("channels_last")), ("keepdims", .bool(false)),
                ])
            return gap
        }
    }
}
