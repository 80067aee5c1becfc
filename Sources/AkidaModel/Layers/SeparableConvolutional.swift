// SeparableConvolutional (reference 8.2): Akida 1.0 flipped depthwise kernels, then a pointwise kernel
// on the exact depthwise sums; the summary shows both kernels.

enum SeparableConvolutionalLayer: NeuralLayer {
    static let type = AkidaLayerType.separableConvolutional
    static let traits = NeuralTraits(kind: .separable, generation: .v1, flipsKernel: true)
    static let parameters = [AkidaParameterSpec("filters")] + NeuralSpecs.v1Window + NeuralSpecs.v1Output
    static let variables =
        [
            AkidaVariableSpec("weights", .int8, shape: "(kernel_width, kernel_height, C, 1)"),
            AkidaVariableSpec("weights_pw", .int8, shape: "(1, 1, C, filters)"),
        ] + NeuralSpecs.v1Activation
    static let summaryName = "Sep.Conv."

    static func summaryRow(_ layer: AkidaLayer) -> AkidaSummaryLayer {
        AkidaSummaryLayer(
            name: layer.name, type: summaryName, outputShape: layer.outputShape,
            kernelShapes: ["weights", "weights_pw"].compactMap { layer.variables[$0]?.shape })
    }
}
