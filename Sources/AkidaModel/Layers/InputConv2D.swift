// InputConv2D (reference 7.5): the Akida 2.0 input convolution on uint8 images: cross-correlation
// kernels, per-channel padding values, no input shift, bias added before the buffer saturation.

enum InputConv2DLayer: NeuralLayer {
    static let type = AkidaLayerType.inputConv2D
    static let traits = NeuralTraits(
        kind: .conv, generation: .v2, flipsKernel: false, padding: .perChannelVariable, biasBeforeSaturation: true)
    static let parameters =
        [
            AkidaParameterSpec("filters"), AkidaParameterSpec("input_channels"), AkidaParameterSpec("input_x"),
            AkidaParameterSpec("input_y"),
        ] + NeuralSpecs.v2Window + NeuralSpecs.v2Output(bufferBits: 32, activation: 1)
    static let variables =
        [
            AkidaVariableSpec("padding_value", .uint8, shape: "(C,)", defaultValue: 0),
            AkidaVariableSpec("weights", .int8, shape: "(kernel_size, kernel_size, C, filters)"),
        ] + NeuralSpecs.v2Scaling
    static let readsModelInput = true
}
