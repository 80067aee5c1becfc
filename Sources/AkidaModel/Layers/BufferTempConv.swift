// BufferTempConv (Akida 2.0): a temporal convolution over a FIFO of the layer's last `fifo_size`
// inputs, kept across samples and calls (SimulationState.swift): each sample pushes its input as the
// newest slot and drops the oldest, then the FIFO is convolved with a (1, 1, fifo_size·C, filters)
// kernel, slot t of channel c at row t·C + c, the newest slot last. Input shifts, bias, ReLU and
// output scaling are Conv2D's. The FIFO is held slot-major (T, H·W, C), so the convolution is the
// neural step with a T×1 'valid' window over it (DepthwiseBufferTempConv shares FIFOStep).

enum BufferTempConvLayer: SimulatedLayer {
    static let type = AkidaLayerType.bufferTempConv
    static let parameters =
        [AkidaParameterSpec("filters"), AkidaParameterSpec("fifo_size")]
        + NeuralSpecs.v2Output(bufferBits: 32, activation: 1)
    static let variables =
        [
            AkidaVariableSpec("input_shift", .uint8, shape: "(C,)", defaultValue: 0),
            AkidaVariableSpec("weights", .int8, shape: "(1, 1, fifo_size * C, filters)"),
        ] + NeuralSpecs.v2Scaling

    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        try FIFOStep.compile(r, kind: .conv, filters: try r.p("filters"))
    }
}

/// The step of the buffered temporal layers: push the sample into the FIFO, run the neural layer
/// over the FIFO.
struct FIFOStep: LayerStep, NeuralStep {
    let neural: Neural
    /// Values of one slot (H·W·C).
    let slot: Int
    let slots: Int

    func makeState() -> LayerState? { BufferLayerState<Int32>(count: slot * slots) }

    static func compile(_ r: LayerReader, kind: NeuralKind, filters: Int) throws -> CompiledLayer {
        let (h, w, c) = (r.inShape[0], r.inShape[1], r.inShape[2])
        let t = try r.p("fifo_size")
        let outChannels = kind == .depthwise ? c : filters
        guard t > 0, outChannels > 0 else { throw r.fail("fifo_size \(t) and filters \(filters) must be positive") }
        let weights = try r.layer.variable("weights")
        let expected = [1, 1, kind == .depthwise ? t : t * c, kind == .depthwise ? c : filters]
        guard weights.dtype == .int8, weights.shape == expected else {
            throw r.fail("weights (\(weights.dtype.rawValue) \(weights.shape)) must be int8 \(expected)")
        }
        guard t * h * w * c <= maxElements, t * c <= maxFanIn,
            let a0 = WindowAxis(size: t, window: t, stride: 1, same: false),
            let a1 = WindowAxis(size: h * w, window: 1, stride: 1, same: false)
        else { throw r.fail("a FIFO of \(t) slots of \(r.inShape) exceeds the simulator's limits") }
        var inputShift = try r.ints("input_shift", count: c).map { Int32(clamping: $0) }
        if inputShift.allSatisfy({ $0 == 0 }) { inputShift = [] }
        let post = try Neural.scalingV2(
            r, NeuralTraits(kind: kind, generation: .v2, flipsKernel: false, shiftsInput: true), outChannels)
        let neural = Neural(
            kind: kind, inShape: [t, h * w, c], a0: a0, a1: a1, k0: t, k1: 1, outChannels: outChannels,
            weights: KernelWeights(
                weights.integers, lanes: outChannels, rowShifts: kind == .depthwise ? [] : inputShift),
            pointwise: KernelWeights([], lanes: outChannels), inputShift: inputShift, padValues: [],
            pooling: .none, post: post)
        let step = FIFOStep(neural: neural, slot: h * w * c, slots: t)
        return r.compiled(step, outShape: [h, w, outChannels], outDType: post.outputDType)
    }

    func run(_ io: StepIO) throws {
        let x = try io.requireInput()
        guard let fifo = (io.state as? BufferLayerState<Int32>)?.values, let base = fifo.baseAddress else {
            throw AkidaModelError.invalidLayer(layer: io.layer.name, reason: "the FIFO state is missing")
        }
        // Oldest slot out, the others one place down, the sample in as the newest.
        base.update(from: base + slot, count: slot * (slots - 1))
        (base + slot * (slots - 1)).update(from: x.baseAddress!, count: slot)
        try io.workspace.runNeural(neural, input: UnsafeBufferPointer(fifo), out: io.out, name: io.layer.name)
    }
}
