// Conv2DTranspose (Akida 2.0): the transposed convolution akida runs with stride 2 and 'same'
// padding, input shifts, bias, ReLU and output scaling like Conv2D. It is simulated as the
// equivalent Conv2D: the input is zero-stuffed (stride − 1 zeros between samples) and padded so
// that a stride-1 'valid' true convolution with the stored kernel gives the transposed one
// (TransposedStep, shared with DepthwiseConv2DTranspose).

enum Conv2DTransposeLayer: SimulatedLayer {
    static let type = AkidaLayerType.conv2DTranspose
    static let parameters =
        [AkidaParameterSpec("filters"), AkidaParameterSpec("kernel_size")]
        + NeuralSpecs.v2Output(bufferBits: 28, activation: 1)
    static let variables =
        [
            AkidaVariableSpec("input_shift", .uint8, shape: "(C,)", defaultValue: 0),
            AkidaVariableSpec("weights", .int8, shape: "(kernel_size, kernel_size, C, filters)"),
        ] + NeuralSpecs.v2Scaling

    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        try TransposedStep.compile(r, as: StuffedConvolution.self)
    }
}

/// The Conv2D a Conv2DTranspose runs as, over its zero-stuffed input.
private enum StuffedConvolution: NeuralLayer {
    static let type = AkidaLayerType.conv2DTranspose
    static let traits = NeuralTraits(kind: .conv, generation: .v2, flipsKernel: true, shiftsInput: true)
    static let parameters = Conv2DTransposeLayer.parameters
    static let variables = Conv2DTransposeLayer.variables
}

/// The step of the transposed layers: the input zero-stuffed, then the equivalent neural layer.
struct TransposedStep: LayerStep, NeuralStep {
    static let stride = 2
    let neural: Neural
    let input: (Int, Int, Int)
    let before: Int
    let stuffedWidth: Int
    let stuffedCount: Int

    var rewrittenInputCount: Int { stuffedCount }

    /// Compiles a transposed layer as `Inner`, a stride-1 'valid' true convolution over its input
    /// stuffed with stride − 1 zeros between samples.
    static func compile<Inner: NeuralLayer>(_ r: LayerReader, as inner: Inner.Type) throws -> CompiledLayer {
        let k = try r.p("kernel_size")
        guard k > 0 else { throw r.fail("kernel_size \(k) must be positive") }
        let (d0, d1, c) = (r.inShape[0], r.inShape[1], r.inShape[2])
        // TensorFlow's 'same' transposed padding puts max(k − s, 0) / 2 cells before the output;
        // the stuffed input then needs k − 1 − that before and enough after for d·s outputs.
        let before = k - 1 - max(k - stride, 0) / 2
        let after = stride + k - 2 - before
        let stuffed = [(d0 - 1) * stride + 1 + before + after, (d1 - 1) * stride + 1 + before + after, c]
        var layer = r.layer
        layer.parameters.merge(["kernel_stride": 1, "padding": 0, "pool_type": 0]) { _, new in new }
        let reader = LayerReader(
            layer: layer, definition: inner, inbounds: r.inbounds, inShapes: r.inShapes, inDTypes: r.inDTypes,
            isFirst: r.isFirst, inShape: stuffed)
        let compiled = try inner.compile(reader)
        guard let neural = compiled.step as? Neural else { throw r.fail("the stuffed convolution did not compile") }
        let step = TransposedStep(
            neural: neural, input: (d0, d1, c), before: before, stuffedWidth: stuffed[1],
            stuffedCount: stuffed.reduce(1, *))
        return r.compiled(step, outShape: compiled.outShape, outDType: compiled.outDType)
    }

    func run(_ io: StepIO) throws {
        let x = try io.requireInput()
        let (d0, d1, c) = input
        let stuffed = UnsafeMutableBufferPointer(rebasing: io.workspace.stepInput[0..<stuffedCount])
        stuffed.initialize(repeating: 0)
        for i in 0..<d0 {
            for j in 0..<d1 {
                let dst = ((before + i * Self.stride) * stuffedWidth + before + j * Self.stride) * c
                for ch in 0..<c { stuffed[dst + ch] = x[(i * d1 + j) * c + ch] }
            }
        }
        try io.workspace.runNeural(neural, input: UnsafeBufferPointer(stuffed), out: io.out, name: io.layer.name)
    }
}
