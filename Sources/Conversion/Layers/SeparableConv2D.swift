// SeparableConv2D: a separable convolution with optional ReLU, max or global average pooling
// becomes an Akida 1.0 SeparableConvolutional layer; Akida 2.0 has none (the model must unfuse it
// into DepthwiseConv2D + 1x1 Conv2D).

struct SeparableConv2DConverter: BlockConverter {
    func patterns(_ target: AkidaTarget) -> [[String]] {
        guard target == .v1 else { return [] }
        return [
            ["QuantizedSeparableConv2D"], ["QuantizedSeparableConv2D", "QuantizedReLU"],
            ["QuantizedSeparableConv2D", "QuantizedGlobalAveragePooling2D", "QuantizedReLU"],
            ["QuantizedSeparableConv2D", "QuantizedGlobalAveragePooling2D"],
            ["QuantizedSeparableConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
        ]
    }

    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError] {
        var checks = BlockChecks(block, in: graph)
        let conv = block.root
        checks.weightBits("dw_weight_quantizer", allowed: [1, 2, 4]) {
            "SeparableConvolutional layer can only handle 1, 2, or 4 weight bits. Received: \($0)."
        }
        let pw = conv.weightBits("pw_weight_quantizer")
        if pw != conv.weightBits("dw_weight_quantizer") {
            checks.append(
                ConversionError(
                    kind: .parameter, layer: conv.name, rule: "weight-bits",
                    message: "SeparableConvolutional layer pointwise weights should also be 4 bits. Received: \(pw).",
                    fix: "quantize depthwise and pointwise weights of '\(conv.name)' with the same bitwidth",
                    referenceType: "ValueError"))
        }
        checks.poolingV1()
        return checks.problems
    }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        try assembler.addConvolutionV1(block, type: .separableConvolutional, inbounds: inbounds)
    }
}
