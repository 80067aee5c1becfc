// The sanitizing transforms QuantizeML applies before quantizing (reference §5.3), each a pure
// pass LayerGraph → LayerGraph, and `sanitize` running them in the reference order. Like the
// reference, a pass that finds an unsupported situation throws and `sanitize` keeps the graph
// it had before that pass.
import KerasGraph
import Tensors

struct TransformFailure: Error { var reason: String }

/// Class name used for pattern matching: a layer inside a nested model keeps the `Nested:` prefix
/// the pipeline gives it, so no transform touches it (the reference treats the nested model as
/// one opaque layer).
func layerClass(_ node: GraphNode) -> String {
    node.className.hasPrefix("Nested:") ? node.className : node.baseClassName
}

public enum Sanitizer {
    public typealias Pass = (LayerGraph) throws -> LayerGraph

    /// The passes in reference order, with the names used in reports.
    public static let passes: [(name: String, run: Pass)] = [
        ("split_layers_with_activations", splitActivations),
        ("replace_activations", replaceActivations),
        ("convert_conv_to_dw_conv", convToDepthwise),
        ("remove_reshape", collapseReshapes),
        ("align_rescaling", alignRescaling),
        ("invert_activation_maxpool", invertActivationMaxPool),
        ("invert_batchnorm_pooling", invertBatchNormPooling),
        ("fold_batchnorms", foldBatchNorms),
        ("remove_zeropadding2d", removeZeroPadding),
        ("split_concat_layers", splitConcatenate),
        ("convert_even_to_odd_kernel", evenToOddKernels),
        ("split_dw_layers", splitStridedDepthwise),
        ("insert_add_identity_relu_gap", identityConvAfterAddReLUGAP),
        ("insert_identity_after_skips", identityConvAfterSkips),
        ("insert_identity_after_hrc", identityConvAfterInputBlock),
        ("insert_identity_to_force_different_inbounds", identityConvForSameInbounds),
        ("insert_identity_to_force_two_outbounds", identityConvsForTwoOutbounds),
    ]

    /// Runs every pass; a pass that throws is skipped (its input graph is kept).
    public static func sanitize(_ graph: LayerGraph) -> LayerGraph {
        passes.reduce(graph) { g, pass in (try? pass.run(g)) ?? g }
    }

    // MARK: 1-2. activations

    /// Every non-Activation layer with a non-linear `activation` gets `linear` and an
    /// `Activation(<function>)` named `<layer>_activ` after it.
    public static func splitActivations(_ g: LayerGraph) throws -> LayerGraph {
        var out = g
        for node in g.nodes where layerClass(node) != "Activation" {
            guard let fn = node.activationName, fn != "linear" else { continue }
            out[node.name]?.setConfig("activation", .string("linear"))
            let act = GraphNode(name: "\(node.name)_activ", className: "Activation",
                                config: LayerTemplates.activation(name: "\(node.name)_activ", function: fn),
                                inputs: [TensorRef(layer: node.name)], weights: [])
            out.insert(act, after: node.name)
        }
        return out
    }

    /// `Activation('relu')` becomes an unbounded `ReLU` of the same name.
    public static func replaceActivations(_ g: LayerGraph) throws -> LayerGraph {
        var out = g
        for node in g.nodes where layerClass(node) == "Activation" && node.activationName == "relu" {
            out[node.name]?.className = "ReLU"
            out[node.name]?.config = LayerTemplates.relu(name: node.name)
        }
        return out
    }

    // MARK: 6-7. convolution and reshape normalisation

    /// A Conv2D with `groups == filters == input channels` is a DepthwiseConv2D.
    public static func convToDepthwise(_ g: LayerGraph) throws -> LayerGraph {
        let shapes = outputShapes(of: g)
        var out = g
        for node in g.nodes where layerClass(node) == "Conv2D" {
            guard let groups = node.configInt("groups"), groups > 1, let filters = node.configInt("filters"),
                  let src = node.inputs.first, let cin = shapes[src.layer]?.last,
                  groups == filters, filters == cin, let kernel = node.tensor("kernel") else { continue }
            let k = node.configPair("kernel_size") ?? (1, 1)
            let s = node.configPair("strides") ?? (1, 1)
            guard k.0 == k.1, s.0 == s.1 else { continue }
            var dw = node
            dw.className = "DepthwiseConv2D"
            dw.config = LayerTemplates.depthwiseConv2D(name: node.name, kernel: k.0, strides: s.0,
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

    /// Removes the first of two consecutive Reshape/Flatten layers, repeatedly.
    public static func collapseReshapes(_ g: LayerGraph) throws -> LayerGraph {
        var out = g
        let reshaping: Set<String> = ["Reshape", "Flatten"]
        while let first = out.nodes.first(where: { n in
            guard reshaping.contains(layerClass(n)) else { return false }
            let next = out.outbound(of: n.name)
            return next.count == 1 && !out.isOutput(n.name) && out[next[0]].map { reshaping.contains(layerClass($0)) } == true
        }) {
            out.bypass(first.name)
        }
        return out
    }

    // MARK: 8. Rescaling alignment

    /// Scalars or per-channel lists of a Rescaling `scale`/`offset`.
    static func values(_ v: JSONValue?) -> [Double] {
        if let d = v?.double { return [d] }
        return v?.array?.compactMap(\.double) ?? [0]
    }

    /// Folds a per-channel scale and/or a non-zero offset of the first Rescaling into the
    /// following Conv2D/Dense (explicit SAME padding with a padding value for a 'same' Conv2D).
    public static func alignRescaling(_ g: LayerGraph) throws -> LayerGraph {
        guard let rescaling = g.nodes.first(where: { layerClass($0) == "Rescaling" }) else { return g }
        let scale = values(rescaling.config["scale"]), offset = values(rescaling.config["offset"])
        if scale.count <= 1 && offset.allSatisfy({ $0 == 0 }) { return g }
        let next = g.outbound(of: rescaling.name)
        guard next.count == 1 else {
            throw TransformFailure(reason: "Found a non-aligned Rescaling layer in the model with multiple outbounds which is not supported.")
        }
        guard var dst = g[next[0]], ["Conv2D", "Dense"].contains(layerClass(dst)) else {
            throw TransformFailure(reason: "Layer after Rescaling not supported, must be Conv2D or Dense.")
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
            guard let kernel = dst.tensor("kernel") else { throw TransformFailure(reason: "no kernel") }
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
            throw TransformFailure(reason: "\(dst.name) must have a kernel and a bias.")
        }
        if let pv = dst.config["padding_value"]?.array?.compactMap(\.double) {
            var values = (0..<max(pv.count, offset.count)).map {
                pv[pv.count == 1 ? 0 : $0] - offset[offset.count == 1 ? 0 : $0]
            }
            if values.allSatisfy({ $0 == values[0] }) { values = [values[0]] }
            dst.setConfig("padding_value", .array(values.map { .number($0) }))
        }
        let cout = kernel.shape.last ?? 1, cin = kernel.shape.count >= 2 ? kernel.shape[kernel.rank - 2] : 1
        guard bias.count == cout else { throw TransformFailure(reason: "bias size") }
        var sums = [Float](repeating: 0, count: cout)
        let f = offset.map { Float($0) }
        for row in 0..<(kernel.count / cout) {
            let o = f.count == 1 ? f[0] : f[row % cin]
            for c in 0..<cout { sums[c] += kernel.scalars[row * cout + c] * o }
        }
        dst.setTensor("bias", Tensor(shape: bias.shape, scalars: zip(bias.scalars, sums).map { $0 + $1 }))
    }

    // MARK: 9-11. pooling inversions and BatchNormalization folding

    /// Pairs `first → second` where `second`'s single input is `first` and `first` has one outbound.
    static func pairs(_ g: LayerGraph, first: Set<String>, second: Set<String>) -> [(String, String)] {
        g.nodes.compactMap { n in
            guard second.contains(layerClass(n)), let src = n.inputs.first?.layer, let p = g[src],
                  first.contains(layerClass(p)), g.outbound(of: src).count == 1 else { return nil }
            return (src, n.name)
        }
    }

    /// Swaps `first → second` into `second → first` (the reference's invert_layer_pairs).
    static func invert(_ g: LayerGraph, _ pairs: [(String, String)]) -> LayerGraph {
        var out = g
        for (first, second) in pairs {
            guard let source = out[first]?.inputs.first else { continue }
            let readers = out.outbound(of: second)
            out[second]?.inputs = [source]
            out[first]?.inputs = [TensorRef(layer: second)]
            for r in readers { out.rewire(r, from: second, to: first) }
            out.outputs = out.outputs.map { $0.layer == second ? TensorRef(layer: first) : $0 }
            // Keep nodes topologically ordered: `second` now precedes `first`.
            if let i = out.index(of: first), let j = out.index(of: second), j > i {
                let moved = out.nodes.remove(at: j)
                out.nodes.insert(moved, at: i)
            }
        }
        return out
    }

    /// `ReLU → MaxPool2D` becomes `MaxPool2D → ReLU`.
    public static func invertActivationMaxPool(_ g: LayerGraph) throws -> LayerGraph {
        invert(g, pairs(g, first: ["ReLU"], second: ["MaxPooling2D", "MaxPool2D"]))
    }

    /// `MaxPool2D → BN` and `GlobalAveragePooling2D → BN` become `BN → pooling`.
    public static func invertBatchNormPooling(_ g: LayerGraph) throws -> LayerGraph {
        let found = pairs(g, first: ["MaxPooling2D", "MaxPool2D", "GlobalAveragePooling2D", "GlobalAvgPool2D"],
                          second: ["BatchNormalization"])
        for (pool, bn) in found where g[pool].map { layerClass($0).hasPrefix("Max") } == true {
            if let gamma = g[bn]?.tensor("gamma"), gamma.scalars.contains(where: { $0 <= 0 }) {
                throw TransformFailure(reason: "negative gammas in BatchNormalization \(bn) after a MaxPool2D")
            }
        }
        var out = invert(g, found)
        for (pool, bn) in found where g[pool].map { layerClass($0).hasPrefix("Global") } == true {
            out[bn]?.setConfig("axis", .array([.number(-1)]))
        }
        return out
    }

    static let foldTargets: Set<String> = ["Conv2D", "PaddedConv2D", "SeparableConv2D", "DepthwiseConv2D", "Dense"]

    /// Folds each BatchNormalization that directly follows a weight layer (its only outbound)
    /// into that layer: `W' = W·s`, `b' = β + (b − μ)·s`, `s = γ / sqrt(var + ε)` in float32.
    public static func foldBatchNorms(_ g: LayerGraph) throws -> LayerGraph {
        let found = pairs(g, first: foldTargets, second: ["BatchNormalization"])
        if found.isEmpty { return g }
        let shapes = outputShapes(of: g)
        var out = g
        for (layer, bnName) in found {
            guard let bn = g[bnName], var target = out[layer], let mean = bn.tensor("moving_mean"),
                  let variance = bn.tensor("moving_variance") else { throw TransformFailure(reason: "BN weights") }
            let c = mean.count
            let gamma = bn.tensor("gamma")?.scalars ?? [Float](repeating: 1, count: c)
            let beta = bn.tensor("beta")?.scalars ?? [Float](repeating: 0, count: c)
            if gamma.contains(0) { throw TransformFailure(reason: "null gammas in \(bnName)") }
            let rank = shapes[layer]?.count ?? 3
            let axes = bn.config["axis"]?.array?.compactMap(\.int) ?? bn.config["axis"]?.int.map { [$0] } ?? [-1]
            guard axes.count == 1, axes[0] == -1 || axes[0] == rank else {
                throw TransformFailure(reason: "The BatchNormalization must be applied on the last axis.")
            }
            let eps = Float(bn.config["epsilon"]?.double ?? 1e-3)
            let s = (0..<c).map { gamma[$0] / (variance.scalars[$0] + eps).squareRoot() }
            let kernelName: String
            switch layerClass(target) {
            case "SeparableConv2D": kernelName = "pointwise_kernel"
            case "DepthwiseConv2D": kernelName = "depthwise_kernel"
            default: kernelName = "kernel"
            }
            guard let kernel = target.tensor(kernelName) else { throw TransformFailure(reason: "no kernel") }
            // Depthwise (h, w, C, 1): the channel axis is the third one.
            let axis = kernelName == "depthwise_kernel" ? -2 : -1
            let bias = target.tensor("bias")?.scalars ?? [Float](repeating: 0, count: c)
            target.setTensor(kernelName, kernel.scaled(along: axis, by: s))
            target.setTensor("bias", Tensor(shape: [c], scalars: (0..<c).map { beta[$0] + (bias[$0] - mean.scalars[$0]) * s[$0] }))
            target.setConfig("use_bias", .bool(true))
            out[layer] = target
            out.bypass(bnName)
        }
        return out
    }

    // MARK: 12-15. padding, concatenation and kernel-shape rewrites

    /// `ZeroPadding2D → Conv('valid')` becomes `Conv('same')` when the output size times the
    /// stride equals the ZeroPadding2D input size on both axes (the reference does not compare amounts).
    public static func removeZeroPadding(_ g: LayerGraph) throws -> LayerGraph {
        let shapes = outputShapes(of: g)
        var out = g
        for pad in g.nodes where layerClass(pad) == "ZeroPadding2D" {
            let next = g.outbound(of: pad.name)
            guard next.count == 1, pad.inputs.count == 1, let conv = g[next[0]],
                  ["Conv2D", "SeparableConv2D", "DepthwiseConv2D"].contains(layerClass(conv)),
                  conv.configString("padding") == "valid", let unpadded = shapes[pad.inputs[0].layer],
                  let convOut = shapes[conv.name] else { continue }
            let s = conv.configPair("strides") ?? (1, 1)
            guard convOut[0] * s.0 == unpadded[0], convOut[1] * s.1 == unpadded[1] else { continue }
            out[conv.name]?.setConfig("padding", .string("same"))
            out.bypass(pad.name)
        }
        return out
    }

    /// A Concatenate of n > 2 inputs becomes a chain of two-input Concatenates.
    public static func splitConcatenate(_ g: LayerGraph) throws -> LayerGraph {
        var out = g
        for node in g.nodes where layerClass(node) == "Concatenate" && node.inputs.count > 2 {
            var previous = node.inputs[0]
            var chain: [GraphNode] = []
            for (i, input) in node.inputs.enumerated().dropFirst() {
                let last = i == node.inputs.count - 1
                let name = last ? node.name : "\(node.name)_\(input.layer)"
                var part = node
                part.name = name
                part.config = node.config.setting("name", to: .string(name))
                part.inputs = [previous, input]
                chain.append(part)
                previous = TensorRef(layer: name)
            }
            guard let at = out.index(of: node.name) else { continue }
            out.nodes.replaceSubrange(at...at, with: chain)
        }
        return out
    }

    /// 'same' Conv2D/DepthwiseConv2D kernels of size 2, 4, 6 (stride 1) or 2 (stride 2) are
    /// embedded in a zero kernel one larger, placed so that the result equals TF's SAME.
    public static func evenToOddKernels(_ g: LayerGraph) throws -> LayerGraph {
        let shapes = outputShapes(of: g)
        var out = g
        for node in g.nodes where ["Conv2D", "DepthwiseConv2D"].contains(layerClass(node)) {
            guard node.configString("padding") == "same", let k = node.configPair("kernel_size"), k.0 == k.1,
                  let s = node.configPair("strides"), s.0 == s.1, let src = node.inputs.first?.layer,
                  let inShape = shapes[src], inShape.count == 3 else { continue }
            var eligible = (s.0 == 1 && [2, 4, 6].contains(k.0)) || (s.0 == 2 && k.0 == 2)
            if layerClass(node) == "Conv2D" && fedByInput(g, node.name) && [1, 3].contains(inShape[2]) {
                eligible = [2, 6].contains(k.0) && [1, 2].contains(s.0)
            }
            guard eligible else { continue }
            let kname = layerClass(node) == "Conv2D" ? "kernel" : "depthwise_kernel"
            guard let kernel = node.tensor(kname) else { continue }
            let (dy, dx) = s.0 == 1 ? (1, 1) : (inShape[0] % 2, inShape[1] % 2)
            let n = k.0 + 1, ci = kernel.shape[2], co = kernel.shape[3]
            var grown = Tensor<Float>(shape: [n, n, ci, co], repeating: 0)
            for y in 0..<k.0 { for x in 0..<k.1 { for c in 0..<(ci * co) {
                grown.scalars[((y + dy) * n + x + dx) * ci * co + c] = kernel.scalars[(y * k.1 + x) * ci * co + c]
            } } }
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

    /// A 'same' DepthwiseConv2D with stride 2 and kernel 5 or 7 becomes stride 1 followed by a
    /// bias-free 3×3 stride-2 identity depthwise `<name>_identity_dw_conv`.
    public static func splitStridedDepthwise(_ g: LayerGraph) throws -> LayerGraph {
        let shapes = outputShapes(of: g)
        var out = g
        for node in g.nodes where layerClass(node) == "DepthwiseConv2D" {
            guard node.configString("padding") == "same", let k = node.configPair("kernel_size"), k.0 == k.1,
                  [5, 7].contains(k.0), node.configPair("strides").map({ $0 == (2, 2) }) == true,
                  let c = shapes[node.name]?.last else { continue }
            out[node.name]?.setConfig("strides", LayerTemplates.pair(1, 1))
            let name = "\(node.name)_identity_dw_conv"
            var id = GraphNode(name: name, className: "DepthwiseConv2D",
                               config: LayerTemplates.depthwiseConv2D(name: name, kernel: 3, strides: 2, padding: "same", useBias: false),
                               inputs: [TensorRef(layer: node.name)], weights: [])
            var kernel = Tensor<Float>(shape: [3, 3, c, 1], repeating: 0)
            for ch in 0..<c { kernel.scalars[4 * c + ch] = 1 }
            id.setTensor("depthwise_kernel", kernel)
            out.insert(id, after: node.name)
        }
        return out
    }

    // MARK: 16. identity convolutions

    static let maxChannels = 2048

    static func identityConv(_ name: String, after source: String, channels: Int) -> GraphNode {
        var node = GraphNode(name: name, className: "Conv2D", config: LayerTemplates.conv2D(name: name, filters: channels),
                             inputs: [TensorRef(layer: source)], weights: [])
        var eye = Tensor<Float>(shape: [1, 1, channels, channels], repeating: 0)
        for i in 0..<channels { eye.scalars[i * channels + i] = 1 }
        node.setTensor("kernel", eye)
        return node
    }

    static func insertIdentityConvs(_ g: LayerGraph, after layers: [String]) throws -> LayerGraph {
        let shapes = outputShapes(of: g)
        var out = g
        for layer in layers {
            guard let c = shapes[layer]?.last else { throw TransformFailure(reason: "unknown shape of \(layer)") }
            out.insert(identityConv("\(layer)_identity_conv", after: layer, channels: c), after: layer)
        }
        return out
    }

    /// (a) `Add → ReLU → GlobalAveragePooling2D`: an identity conv between the Add and the ReLU.
    public static func identityConvAfterAddReLUGAP(_ g: LayerGraph) throws -> LayerGraph {
        let shapes = outputShapes(of: g)
        let adds = pairs(g, first: ["Add"], second: ["ReLU"]).filter { add, relu in
            let next = g.outbound(of: relu)
            return next.count == 1 && g[next[0]].map { ["GlobalAveragePooling2D", "GlobalAvgPool2D"].contains(layerClass($0)) } == true
                && (shapes[add]?.last ?? Int.max) <= maxChannels
        }.map(\.0)
        return try insertIdentityConvs(g, after: adds)
    }

    static let convClasses: Set<String> = ["Conv2D", "DepthwiseConv2D", "Conv2DTranspose", "PaddedConv2D"]

    /// (b) an Add/Concatenate with a 4-D output none of whose readers is a convolution.
    public static func identityConvAfterSkips(_ g: LayerGraph) throws -> LayerGraph {
        let shapes = outputShapes(of: g)
        let targets = g.nodes.filter { n in
            guard ["Add", "Concatenate"].contains(layerClass(n)), let s = shapes[n.name], s.count == 3,
                  s[2] <= maxChannels else { return false }
            return !g.outbound(of: n.name).contains { g[$0].map { convClasses.contains(layerClass($0)) } == true }
        }.map(\.name)
        return try insertIdentityConvs(g, after: targets)
    }

    /// (c) the input convolution block (Conv2D on 1 or 3 channels, then ReLU/MaxPool/Activation)
    /// feeding several layers gets an identity conv after its last layer.
    public static func identityConvAfterInputBlock(_ g: LayerGraph) throws -> LayerGraph {
        guard g.inputs.count == 1, var target = g.inputs.first else { return g }
        while let n = g[target], ["InputLayer", "Rescaling"].contains(layerClass(n)), g.outbound(of: target).count == 1 {
            target = g.outbound(of: target)[0]
        }
        let shapes = outputShapes(of: g)
        guard let conv = g[target], layerClass(conv) == "Conv2D", let src = conv.inputs.first?.layer,
              let cin = shapes[src]?.last, [1, 3].contains(cin) else { return g }
        while g.outbound(of: target).count == 1, let next = g[g.outbound(of: target)[0]],
              ["ReLU", "MaxPooling2D", "MaxPool2D"].contains(layerClass(next)) {
            target = next.name
        }
        guard g.outbound(of: target).count > 1 else { return g }
        return try insertIdentityConvs(g, after: [target])
    }

    /// (d) an Add/Concatenate reading the same tensor twice: an identity conv on its first input.
    public static func identityConvForSameInbounds(_ g: LayerGraph) throws -> LayerGraph {
        let shapes = outputShapes(of: g)
        var out = g
        for n in g.nodes where ["Add", "Concatenate"].contains(layerClass(n)) && n.inputs.count == 2 && n.inputs[0] == n.inputs[1] {
            let source = n.inputs[0].layer
            guard let c = shapes[source]?.last, c <= maxChannels else { continue }
            let id = identityConv("\(source)_identity_conv", after: source, channels: c)
            out.nodes.insert(id, at: (out.index(of: source) ?? 0) + 1)
            out[n.name]?.inputs[0] = TensorRef(layer: id.name)
        }
        return out
    }

    /// (e) a 4-D layer with more than two readers gets identity convs until it has two.
    public static func identityConvsForTwoOutbounds(_ g: LayerGraph) throws -> LayerGraph {
        let shapes = outputShapes(of: g)
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
