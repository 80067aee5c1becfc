// BlockChecks: the checks block converters share when a block matches (pooling padding and
// squareness, weight bitwidths, square kernels and strides, global average pooling size, flat
// dense inputs, Akida 1.0 ReLUs), each collecting the reference's message for its refusal.

/// Collects the problems of one matched block; each converter calls the checks it makes, in the
/// reference's order.
struct BlockChecks {
    let graph: QuantizedKerasGraph
    let block: MatchedBlock
    private(set) var problems: [ConversionError] = []

    init(_ block: MatchedBlock, in graph: QuantizedKerasGraph) {
        self.graph = graph
        self.block = block
    }

    private var conv: QuantizedKerasLayer { block.root }

    mutating func poolPadding(_ pool: QuantizedKerasLayer) {
        let convPad = conv.effectiveConvPadding, poolPad = pool.padding
        if convPad != poolPad {
            problems.append(
                ConversionError(
                    kind: .parameter, layer: pool.name, rule: "pool-padding",
                    message:
                        "Pooling layer \(pool.name) (padding: \(poolPad)) must have the same padding as \(conv.name) "
                        + "(padding: \(convPad)).",
                    fix: "give '\(pool.name)' padding='\(convPad)' (a 1x1 convolution counts as 'same')",
                    referenceType: "ValueError"))
        }
    }

    /// Akida 2.0 pooling: square pool size and equal strides, when strides are given.
    mutating func poolParams(_ pool: QuantizedKerasLayer) {
        guard pool.config["strides"].map({ !$0.isNull }) ?? false else { return }
        let size = pool.pair("pool_size") ?? [2, 2], strides = pool.pair("strides") ?? size
        if size.count == 2 && size[0] != size[1] {
            problems.append(
                ConversionError(
                    kind: .parameter, layer: pool.name, rule: "square-pooling",
                    message: "In Akida v2 \(pool.name) should have square pooling",
                    fix: "use a square pool_size", referenceType: "ValueError"))
        }
        if strides.count == 2 && strides[0] != strides[1] {
            problems.append(
                ConversionError(
                    kind: .parameter, layer: pool.name, rule: "square-pool-stride",
                    message: "In Akida v2 \(pool.name) pooling stride should be the same forboth dimensions",
                    fix: "use equal pooling strides", referenceType: "ValueError"))
        }
    }

    /// The max pool of the block on Akida 2.0: padding, then size and strides.
    mutating func maxPoolV2() {
        if let pool = block.maxPool {
            poolPadding(pool)
            poolParams(pool)
        }
    }

    /// The pooling of the block on Akida 1.0: the max pool's padding, else the global average size.
    mutating func poolingV1() {
        if let pool = block.maxPool { poolPadding(pool) } else if let gap = block.gap { gapSize(gap) }
    }

    mutating func weightBits(_ key: String, allowed: [Int], type: String = "ValueError", message: (Int) -> String) {
        let bits = conv.weightBits(key)
        if !allowed.contains(bits) {
            problems.append(
                ConversionError(
                    kind: .parameter, layer: conv.name, rule: "weight-bits",
                    message: message(bits),
                    fix:
                        "quantize the weights of '\(conv.name)' with "
                        + "\(allowed.map(String.init).joined(separator: ", ")) bits (weight_bits / "
                        + "input_weight_bits)",
                    referenceType: type))
        }
    }

    /// Square kernel and equal strides; `what` is the Akida layer the reference names.
    mutating func square(_ what: String) {
        if conv.kernelSize.count == 2 && conv.kernelSize[0] != conv.kernelSize[1] {
            problems.append(
                ConversionError(
                    kind: .parameter, layer: conv.name, rule: "square-kernel",
                    message: what == "DepthwiseConv2D"
                        ? "DepthwiseConv2D kernel should be square" : "\(what) handle onlysquare kernels",
                    fix: "use a square kernel_size", referenceType: "AssertionError"))
        }
        if conv.strides.count == 2 && conv.strides[0] != conv.strides[1] {
            problems.append(
                ConversionError(
                    kind: .parameter, layer: conv.name, rule: "square-stride",
                    message: what == "DepthwiseConv2D"
                        ? "DepthwiseConv2D strides should be the same on both dimensions"
                        : "\(what) stride should bethe same for both dimensions",
                    fix: "use equal strides on both axes", referenceType: "AssertionError"))
        }
    }

    mutating func gapSize(_ gap: QuantizedKerasLayer) {
        guard let input = graph.inputShape(gap), input.count == 3 else { return }
        let spatial = input[0] * input[1]
        if spatial > 256 {
            problems.append(
                ConversionError(
                    kind: .parameter, layer: gap.name, rule: "v1-gap-size",
                    message:
                        "Unsupported spatial size product (\(spatial)). We only accepts values smaller than 256. "
                        + "Consider to replace GlobalAveragePooling2D by MaxPooling2D.",
                    fix: "reduce the spatial size before '\(gap.name)' to at most 256 positions, or use MaxPooling2D"))
        }
    }

    mutating func denseFlatInput() {
        let dense = block.main
        guard let input = graph.inputShape(dense) else { return }
        if input.reduce(1, *) != (input.last ?? 0) {
            problems.append(
                ConversionError(
                    kind: .parameter, layer: dense.name, rule: "dense-flat-input",
                    message:
                        "The dense layer only handles flattened shapes (i.e (1, 1, X) or (X,)). Received: "
                        + "(\(pythonTuple(input.map { Optional($0) })))  shape.",
                    fix: "insert a Flatten before '\(dense.name)'"))
        }
    }

    mutating func append(_ problem: ConversionError) { problems.append(problem) }

    mutating func append(contentsOf more: [ConversionError]) { problems += more }

    /// Akida 1.0 requirements on a ReLU that ends a block.
    static func v1ReluProblems(_ relu: QuantizedKerasLayer) -> [ConversionError] {
        if !relu.hasMaxValue {
            return [
                ConversionError(
                    kind: .parameter, layer: relu.name, rule: "v1-unbounded-relu",
                    message: "\(relu.name): in AkidaVersion.v1, unbounded QuantizedReLU is not supported.",
                    fix: "give '\(relu.name)' a max_value (e.g. ReLU6) before quantizing, or target Akida 2.0",
                    referenceType: "ValueError")
            ]
        }
        if relu.outputQuantizer == nil {
            return [
                ConversionError(
                    kind: .parameter, layer: relu.name, rule: "v1-relu-output-quantizer",
                    message: "\(relu.name): in AkidaVersion.v1, output_quantizer is mandatory.",
                    fix: "quantize the activation of '\(relu.name)' (activation_bits)", referenceType: "ValueError")
            ]
        }
        return []
    }
}
