// Conv2D (reference 7.5): the Akida 2.0 convolution: true-convolution kernels (flipped here), zero
// padding, per-channel input shifts, bias added after the buffer saturation.

enum Conv2DLayer: NeuralLayer {
    static let type = AkidaLayerType.conv2D
    static let traits = NeuralTraits(kind: .conv, generation: .v2, flipsKernel: true, shiftsInput: true)
    static let parameters =
        [AkidaParameterSpec("filters")] + NeuralSpecs.v2Window + NeuralSpecs.v2Output(bufferBits: 28, activation: 1)
    static let variables =
        [
            AkidaVariableSpec("input_shift", .uint8, shape: "(C,)", defaultValue: 0),
            AkidaVariableSpec("weights", .int8, shape: "(kernel_size, kernel_size, C, filters)"),
        ] + NeuralSpecs.v2Scaling
}
