// DepthwiseConv2D: a depthwise convolution with optional ReLU or LUT activation and max pooling
// becomes an Akida 2.0 DepthwiseConv2D layer; Akida 1.0 has none (it converts separable
// convolutions whole, see SeparableConv2D).

struct DepthwiseConv2DConverter: BlockConverter {
    func patterns(_ target: AkidaTarget) -> [[String]] {
        guard target == .v2 else { return [] }
        return [
            ["QuantizedDepthwiseConv2D"], ["QuantizedDepthwiseConv2D", "QuantizedReLU"],
            ["QuantizedDepthwiseConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
            ["QuantizedDepthwiseConv2D", "QuantizedActivation"],
            ["QuantizedDepthwiseConv2D", "QuantizedMaxPool2D", "QuantizedActivation"],
        ]
    }

    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError] {
        var checks = BlockChecks(block, in: graph)
        checks.square("DepthwiseConv2D")
        checks.weightBits("weight_quantizer", allowed: [4, 8], type: "AssertionError") {
            "DepthwiseConv2D layer can only handle weights with 4 or 8 bits. Received: \($0)."
        }
        checks.maxPoolV2()
        return checks.problems
    }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        try assembler.addConvolutionV2(block, type: .depthwiseConv2D, inbounds: inbounds)
    }
}
