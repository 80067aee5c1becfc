// Dequantizer (reference 7.9): integers times a float32 scale per channel; the only layer with
// float outputs, and the last layer `predict` needs on Akida 2.0.

enum DequantizerLayer: SimulatedLayer {
    static let type = AkidaLayerType.dequantizer
    static let parameters: [AkidaParameterSpec] = []
    static let variables = [AkidaVariableSpec("scales", .float32, shape: "(C,)")]

    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        r.compiled(
            DequantizerStep(scales: try r.floats("scales", count: r.channels)), outShape: r.inShape,
            outDType: .float32)
    }
}

struct DequantizerStep: LayerStep {
    var scales: [Float]

    func run(_ io: StepIO) throws {
        guard let input = io.input else { return }
        let c = scales.count, fout = io.floatOut
        for k in 0..<input.count { fout[k] = Float(input[k]) * scales[k % c] }
    }

    var prediction: Prediction { .identity }
}
