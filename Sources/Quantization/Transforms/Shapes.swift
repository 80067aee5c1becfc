// Static output shapes (batch excluded) of the layers the quantization pipeline reasons about:
// transforms and OutputQuantizer placement depend on channel counts, ranks and spatial sizes.
// A layer whose shape cannot be derived is absent from the result.
import KerasGraph

public func outputShapes(of graph: LayerGraph) -> [String: [Int]] {
    var shapes: [String: [Int]] = [:]
    for node in graph.nodes {
        let ins = node.inputs.compactMap { shapes[$0.layer] }
        guard ins.count == node.inputs.count else { continue }
        if let s = outputShape(of: node, inputs: ins) { shapes[node.name] = s }
    }
    return shapes
}

/// Size of one spatial axis after a convolution or pooling window.
func windowOutput(_ n: Int, kernel: Int, stride: Int, padding: String, dilation: Int = 1) -> Int {
    let k = (kernel - 1) * dilation + 1
    if padding == "same" { return (n + stride - 1) / stride }
    return max(0, (n - k) / stride + 1)
}

func outputShape(of node: GraphNode, inputs: [[Int]]) -> [Int]? {
    let cls = node.baseClassName
    if cls == "InputLayer" {
        guard let dims = node.config["batch_input_shape"]?.array, dims.count >= 2 else { return nil }
        return dims.dropFirst().map { $0.int ?? -1 }
    }
    guard let x = inputs.first else { return nil }
    switch cls {
    case "Conv2D", "PaddedConv2D", "QuantizedConv2D", "DepthwiseConv2D", "QuantizedDepthwiseConv2D",
         "SeparableConv2D", "QuantizedSeparableConv2D", "MaxPooling2D", "MaxPool2D", "QuantizedMaxPool2D",
         "AveragePooling2D", "AvgPool2D":
        guard x.count == 3 else { return nil }
        let isPool = cls.contains("Pool")
        let k = (isPool ? node.configPair("pool_size") : node.configPair("kernel_size")) ?? (1, 1)
        let s = node.configPair("strides") ?? (isPool ? k : (1, 1))
        let d = node.configPair("dilation_rate") ?? (1, 1)
        var padding = node.configString("padding") ?? "valid"
        if node.config["padding_value"] != nil { padding = "same" }
        let c: Int
        if isPool { c = x[2] }
        else if cls.contains("Depthwise") { c = x[2] * (node.configInt("depth_multiplier") ?? 1) }
        else { c = node.configInt("filters") ?? -1 }
        return [windowOutput(x[0], kernel: k.0, stride: s.0, padding: padding, dilation: d.0),
                windowOutput(x[1], kernel: k.1, stride: s.1, padding: padding, dilation: d.1), c]
    case "Dense", "QuantizedDense":
        return x.dropLast() + [node.configInt("units") ?? -1]
    case "GlobalAveragePooling2D", "GlobalAvgPool2D", "GlobalMaxPooling2D", "GlobalMaxPool2D",
         "QuantizedGlobalAveragePooling2D":
        guard x.count == 3 else { return nil }
        return node.configBool("keepdims") == true ? [1, 1, x[2]] : [x[2]]
    case "Flatten", "QuantizedFlatten":
        return [x.reduce(1, *)]
    case "Reshape", "QuantizedReshape":
        guard let target = node.config["target_shape"]?.array?.map({ $0.int ?? -1 }) else { return nil }
        let known = target.filter { $0 != -1 }.reduce(1, *)
        return target.map { $0 == -1 && known > 0 ? x.reduce(1, *) / known : $0 }
    case "ZeroPadding2D":
        guard x.count == 3 else { return nil }
        let p = zeroPadding(node)
        return [x[0] + p.top + p.bottom, x[1] + p.left + p.right, x[2]]
    case "Concatenate", "QuantizedConcatenate":
        var axis = node.configInt("axis") ?? -1
        if axis < 0 { axis += x.count } else { axis -= 1 }
        guard axis >= 0, axis < x.count else { return nil }
        var out = x
        out[axis] = inputs.map { $0[axis] }.reduce(0, +)
        return out
    case "Cropping2D", "UpSampling2D", "Conv2DTranspose", "LSTM", "GRU", "SimpleRNN", "Lambda", "Permute":
        return nil
    default:
        // Element-wise layers (activations, BatchNormalization, Rescaling, Dropout, Add, ...).
        return x
    }
}

/// The (top, bottom, left, right) amounts of a ZeroPadding2D.
func zeroPadding(_ node: GraphNode) -> (top: Int, bottom: Int, left: Int, right: Int) {
    let p = node.config["padding"]
    if let v = p?.int { return (v, v, v, v) }
    if let a = p?.array, a.count == 2 {
        if let h = a[0].int, let w = a[1].int { return (h, h, w, w) }
        if let h = a[0].array, let w = a[1].array, h.count == 2, w.count == 2 {
            return (h[0].int ?? 0, h[1].int ?? 0, w[0].int ?? 0, w[1].int ?? 0)
        }
    }
    return (1, 1, 1, 1)
}
