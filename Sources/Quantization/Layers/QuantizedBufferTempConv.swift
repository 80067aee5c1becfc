// QuantizedBufferTempConv and QuantizedDepthwiseBufferTempConv (QuantizeML 1.2.5): the streaming
// temporal convolutions. Each call pushes its input into a FIFO of `kernel_size` slots (one per
// sample of the batch), expands the FIFO to the buffer width with one frac bits (the recorded
// `input_shift`), and convolves it with the kernel quantized per output channel over all slots:
// (1, 1, kernel_size·C, F) for the full layer, (kernel_size, C) for the depthwise one. The engine
// runs a batch as the first time step of independent streams, as a freshly loaded model does: the
// older slots are empty, so the newest slot's kernel rows alone produce the output. Calibration
// runs the float layers, whose FIFOs run across the calibration batches.
import KerasGraph
import Tensors

/// What the two buffered temporal layer types share; they differ only in their class names and
/// kernel layout.
protocol BufferTempConvType: QuantizedLayerType {
    static var depthwise: Bool { get }
}

extension BufferTempConvType {
    static var hasWeights: Bool { true }
    static var needsAlignedInputs: Bool { true }
    static var equalization: EqualizationRole { .absorbs }
    static var absorbsPerAxisRates: Bool { false }

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        BufferTempConvOp.quantizedConfig(of: node, quantConfig: quantConfig, params: params)
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp {
        try BufferTempConvOp(layer, depthwise: depthwise, mode: mode)
    }
}

enum QuantizedBufferTempConv: BufferTempConvType {
    static let className = "QuantizedBufferTempConv"
    static let floatClasses = ["BufferTempConv"]
    static let depthwise = false
}

enum QuantizedDepthwiseBufferTempConv: BufferTempConvType {
    static let className = "QuantizedDepthwiseBufferTempConv"
    static let floatClasses = ["DepthwiseBufferTempConv"]
    static let depthwise = true
}

/// The integer op of both buffered temporal layers, from an empty FIFO.
struct BufferTempConvOp: LayerOp {
    let name: String
    let depthwise: Bool
    let bufferBits: Int
    /// The whole kernel, quantized per output channel.
    let weights: QuantizedWeights
    /// The newest slot's rows: (C, F), or (C,) for the depthwise kernel.
    let newest: KernelPack
    let channels: Int
    let outputs: Int
    let bias: Tensor<Float>?
    let biasBits: Int
    let biasSigned: Bool
    let oq: OutputQuantizerSpec?

    init(_ layer: QuantizedLayer, depthwise: Bool, mode: ReferenceMode) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        self.depthwise = depthwise
        let slots = r.int("kernel_size") ?? 0
        guard slots > 0 else { throw r.fail("kernel_size must be a positive integer") }
        bufferBits = r.quantConfig.bufferBitwidth - 1
        weights = quantizeWeights(
            try r.variable("kernel"), bits: r.quantConfig.bitwidth("weight_quantizer"), axis: .last, mode: mode)
        let shape = weights.shape
        if depthwise {
            guard shape.count == 2, shape[0] == slots else {
                throw r.fail("kernel of shape \(shape) should be (kernel_size \(slots), channels)")
            }
            (channels, outputs) = (shape[1], shape[1])
        } else {
            guard shape.count == 4, shape[0] == 1, shape[1] == 1, shape[2] % slots == 0 else {
                throw r.fail("kernel of shape \(shape) should be (1, 1, kernel_size \(slots) × channels, filters)")
            }
            (channels, outputs) = (shape[2] / slots, shape[3])
        }
        newest = KernelPack(Array(weights.values.suffix(channels * (depthwise ? 1 : outputs))), outputs: outputs)
        bias = r.bool("use_bias", default: false) ? try r.variable("bias") : nil
        biasBits = r.quantConfig.bitwidth("bias_quantizer")
        biasSigned = r.quantConfig.signed("bias_quantizer", default: true)
        oq = try r.outputQuantizer()
    }

    /// The float config with the weight quantizer default and the buffer width (not capped at 28
    /// bits, unlike the spatial weight layers).
    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        WeightLayerConfig.quantizedConfig(of: node, quantConfig: quantConfig) { qc in
            qc.setDefault("weight_quantizer", WeightLayerConfig.quantizer(bits: params.weightBits))
            qc.setDefault("buffer_bitwidth", .number(Double(params.bufferBits)))
            return acceptsBitwidth(qc["weight_quantizer"])
        }
    }

    /// The FIFO's newest slot: the input expanded to the buffer width, per-tensor frac bits.
    func fifoInput(_ inputs: [QValue]) throws -> QTensor {
        guard let input = inputs.first else { throw QuantizedModelError.arithmetic(layer: name, reason: "no input") }
        let x = try adaptInput(input, layer: name, bits: bufferBits, expand: true, acceptQFloat: !depthwise)
        guard x.shape.count == 4, x.channels == channels else {
            throw QuantizedModelError.invalidInput(
                "layer '\(name)' expects (N, H, W, \(channels)) inputs, got \(x.shape)")
        }
        return x
    }

    func accumulatorScales(_ x: QTensor) throws -> ChannelParam {
        let w = ChannelParam(perChannel: weights.scales)
        guard !depthwise, let s = x.scales else { return w }
        guard s.values.count == 1 else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "a QFloat input with per-channel scales")
        }
        return s.combined(w) { $0 * $1 }
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        let x = try fifoInput(inputs)
        let rows = x.values.count / max(channels, 1)
        let (c, f) = (channels, outputs)
        let a: [Float]
        if depthwise {
            a = newest.accumulate(inputMax: maxMagnitude(x.values)) { w in
                x.values.indices.map { x.values[$0] * w[$0 % c] }
            } double: { w in
                x.values.indices.map { Double(x.values[$0]) * w[$0 % c] }
            }
        } else {
            a = newest.accumulate(inputMax: maxMagnitude(x.values)) {
                matmul(x.values, rows: rows, k: c, kernel: $0, units: f)
            } double: {
                matmul(x.values, rows: rows, k: c, kernel: $0, units: f)
            }
        }
        var acc = QTensor(
            values: payload(a, bits: bufferBits), shape: Array(x.shape.dropLast()) + [f], valueBits: bufferBits,
            fracBits: x.fracBits, scales: try accumulatorScales(x))
        try addBias(&acc, bias: bias, bits: biasBits, signed: biasSigned)
        return .quantized(try applyOutputQuantizer(acc, oq))
    }

    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        guard let input = inputs.first else { return nil }
        let x = try fifoInput(inputs)
        var r = LayerIntegers()
        r.kernel = Tensor(shape: weights.shape, scalars: weights.values)
        // The FIFO's expand shift, one per channel (zeros for a per-tensor input).
        if case .quantized(let q) = input, q.fracBits.values.count == channels {
            r.inputShift = expandShifts(q)
        } else {
            r.inputShift = [Float](repeating: 0, count: channels)
        }
        try r.setBiasAndOutput(
            bias: bias, bits: biasBits, signed: biasSigned, input: x, scales: try accumulatorScales(x),
            bufferBits: bufferBits, oq)
        return r
    }
}
