// DepthwiseConv2D (reference 7.5): one flipped kernel per channel, zero padding, per-channel input
// shifts applied to the inputs (never folded into the products).

enum DepthwiseConv2DLayer: NeuralLayer {
    static let type = AkidaLayerType.depthwiseConv2D
    static let traits = NeuralTraits(kind: .depthwise, generation: .v2, flipsKernel: true, shiftsInput: true)
    static let parameters = NeuralSpecs.v2Window + NeuralSpecs.v2Output(bufferBits: 28, activation: 1)
    static let variables =
        [
            AkidaVariableSpec("input_shift", .uint8, shape: "(C,)", defaultValue: 0),
            AkidaVariableSpec("weights", .int8, shape: "(kernel_size, kernel_size, C, 1)"),
        ] + NeuralSpecs.v2Scaling
}
