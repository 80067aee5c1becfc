// Conv2D: a convolution with optional ReLU or LUT activation, max or global average pooling
// becomes an Akida 2.0 Conv2D or an Akida 1.0 Convolutional layer.

struct Conv2DConverter: BlockConverter {
    func patterns(_ target: AkidaTarget) -> [[String]] {
        switch target {
        case .v2:
            return [
                ["QuantizedConv2D"], ["QuantizedConv2D", "QuantizedReLU"],
                ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
                ["QuantizedConv2D", "QuantizedReLU", "QuantizedGlobalAveragePooling2D"],
                ["QuantizedConv2D", "QuantizedGlobalAveragePooling2D"],
                ["QuantizedConv2D", "QuantizedActivation"],
                ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedActivation"],
                ["QuantizedConv2D", "QuantizedActivation", "QuantizedGlobalAveragePooling2D"],
            ]
        case .v1:
            return [
                ["QuantizedConv2D"], ["QuantizedConv2D", "QuantizedReLU"],
                ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
                ["QuantizedConv2D", "QuantizedGlobalAveragePooling2D", "QuantizedReLU"],
                ["QuantizedConv2D", "QuantizedGlobalAveragePooling2D"],
            ]
        }
    }

    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError] {
        var checks = BlockChecks(block, in: graph)
        switch target {
        case .v2:
            checks.maxPoolV2()
            checks.weightBits("weight_quantizer", allowed: [4, 8]) {
                "Conv2D layer can only handle weights with 4 or 8 bits. Received: \($0)."
            }
            checks.square("Conv2D")
        case .v1:
            checks.weightBits("weight_quantizer", allowed: [1, 2, 4]) {
                "Convolutional layer can only handle weights with 1, 2 or 4 bits. Received: \($0)."
            }
            checks.poolingV1()
        }
        return checks.problems
    }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        switch assembler.target {
        case .v2: try assembler.addConvolutionV2(block, type: .conv2D, inbounds: inbounds)
        case .v1: try assembler.addConvolutionV1(block, type: .convolutional, inbounds: inbounds)
        }
    }
}
