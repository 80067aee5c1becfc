// Dense1D (reference 7.5): the Akida 2.0 dense layer over the row-major flattened input, with one
// input shift per flattened input.

enum Dense1DLayer: NeuralLayer {
    static let type = AkidaLayerType.dense1D
    static let traits = NeuralTraits(kind: .dense, generation: .v2, flipsKernel: false, shiftsInput: true)
    static let parameters = [AkidaParameterSpec("units")] + NeuralSpecs.v2Output(bufferBits: 28, activation: 0)
    static let variables =
        [
            AkidaVariableSpec("input_shift", .uint8, shape: "(D0 * D1 * C,)", defaultValue: 0),
            AkidaVariableSpec("weights", .int8, shape: "(D0 * D1 * C, units)"),
        ] + NeuralSpecs.v2Scaling
}
