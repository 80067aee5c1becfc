// InputConv2D: a convolution (with ReLU or LUT activation, optionally max pooled) on the model's
// 1- or 3-channel input becomes an Akida 2.0 InputConv2D or Akida 1.0 InputConvolutional layer.

struct InputConv2DConverter: BlockConverter {
    var isInputLayer: Bool { true }

    func patterns(_ target: AkidaTarget) -> [[String]] {
        let relu: [[String]] = [
            ["QuantizedConv2D", "QuantizedReLU"], ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
        ]
        if target == .v1 { return relu }
        return relu + [
            ["QuantizedConv2D", "QuantizedActivation"],
            ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedActivation"],
        ]
    }

    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError] {
        var checks = BlockChecks(block, in: graph)
        let conv = block.root
        let bitsMessage = { (bits: Int) in
            "InputConvolutional layer can only handle weights with 4 or 8 bits. Received: \(bits)."
        }
        switch target {
        case .v2:
            checks.maxPoolV2()
            checks.weightBits("weight_quantizer", allowed: [4, 8], message: bitsMessage)
            checks.square("InputConv2D")
        case .v1:
            if let input = graph.inputShape(conv), let c = input.last, c != 1 && c != 3 {
                checks.append(
                    ConversionError(
                        kind: .parameter, layer: conv.name, rule: "v1-input-channels",
                        message:
                            "InputConvolutional layer can only handle image like inputs (i.e 3-D or 1-D input shape). "
                            + "Received: \(pythonTuple(input.map { Optional($0) })).",
                        fix: "feed 1- or 3-channel images", referenceType: "ValueError"))
            }
            checks.weightBits("weight_quantizer", allowed: [4, 8], message: bitsMessage)
            if block.layers.count > 1, block.layers[1].className == "QuantizedMaxPool2D" {
                checks.poolPadding(block.layers[1])
            }
        }
        return checks.problems
    }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        switch assembler.target {
        case .v2: try assembler.addConvolutionV2(block, type: .inputConv2D, inbounds: inbounds)
        case .v1: try assembler.addConvolutionV1(block, type: .inputConvolutional, inbounds: inbounds)
        }
    }
}
