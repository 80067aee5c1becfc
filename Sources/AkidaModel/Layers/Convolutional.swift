// Convolutional (reference 8.2): the Akida 1.0 convolution: flipped kernels, zero padding,
// unsaturated potentials, threshold/act_step activation.

enum ConvolutionalLayer: NeuralLayer {
    static let type = AkidaLayerType.convolutional
    static let traits = NeuralTraits(kind: .conv, generation: .v1, flipsKernel: true)
    static let parameters = [AkidaParameterSpec("filters")] + NeuralSpecs.v1Window + NeuralSpecs.v1Output
    static let variables =
        [AkidaVariableSpec("weights", .int8, shape: "(kernel_width, kernel_height, C, filters)")]
        + NeuralSpecs.v1Activation
    static let summaryName = "Conv."
}
