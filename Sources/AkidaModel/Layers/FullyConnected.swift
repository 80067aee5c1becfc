// FullyConnected (reference 8.2): the Akida 1.0 dense layer: weights over the column-major flattened
// input (rearranged here to row-major), potentials saturated to 20 bits.

enum FullyConnectedLayer: NeuralLayer {
    static let type = AkidaLayerType.fullyConnected
    static let traits = NeuralTraits(kind: .dense, generation: .v1, flipsKernel: false, fullyConnected: true)
    static let parameters = [AkidaParameterSpec("units")] + NeuralSpecs.v1Output
    static let variables =
        [AkidaVariableSpec("weights", .int8, shape: "(1, 1, D0 * D1 * C, units)")] + NeuralSpecs.v1Activation
    static let summaryName = "Fully."
}
