// InputConvolutional (reference 8.2): the Akida 1.0 input convolution on uint8 images:
// cross-correlation kernels, one padding value, threshold/act_step activation.

enum InputConvolutionalLayer: NeuralLayer {
    static let type = AkidaLayerType.inputConvolutional
    static let traits = NeuralTraits(kind: .conv, generation: .v1, flipsKernel: false, padding: .parameter)
    static let parameters =
        [
            AkidaParameterSpec("filters"), AkidaParameterSpec("input_channels"), AkidaParameterSpec("input_height"),
            AkidaParameterSpec("input_width"), AkidaParameterSpec("padding_value"),
        ]
        + NeuralSpecs.v1Window + NeuralSpecs.v1Output
    static let variables =
        [AkidaVariableSpec("weights", .int8, shape: "(kernel_width, kernel_height, C, filters)")]
        + NeuralSpecs.v1Activation
    static let readsModelInput = true
    static let summaryName = "InputConv."
}
