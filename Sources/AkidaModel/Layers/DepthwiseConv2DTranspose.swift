// DepthwiseConv2DTranspose (Akida 2.0): one transposed filter per channel, stride 2 and 'same'
// padding, simulated like Conv2DTranspose as a DepthwiseConv2D over the zero-stuffed input.

enum DepthwiseConv2DTransposeLayer: SimulatedLayer {
    static let type = AkidaLayerType.depthwiseConv2DTranspose
    static let parameters = [AkidaParameterSpec("kernel_size")] + NeuralSpecs.v2Output(bufferBits: 28, activation: 1)
    static let variables =
        [
            AkidaVariableSpec("input_shift", .uint8, shape: "(C,)", defaultValue: 0),
            AkidaVariableSpec("weights", .int8, shape: "(kernel_size, kernel_size, C, 1)"),
        ] + NeuralSpecs.v2Scaling

    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        try TransposedStep.compile(r, as: StuffedDepthwise.self)
    }
}

/// The DepthwiseConv2D a DepthwiseConv2DTranspose runs as, over its zero-stuffed input.
private enum StuffedDepthwise: NeuralLayer {
    static let type = AkidaLayerType.depthwiseConv2DTranspose
    static let traits = NeuralTraits(kind: .depthwise, generation: .v2, flipsKernel: true, shiftsInput: true)
    static let parameters = DepthwiseConv2DTransposeLayer.parameters
    static let variables = DepthwiseConv2DTransposeLayer.variables
}
