// The integer op shared by the QuantizeML weight layers (reference §7.3-7.7): integer
// weights derived once from the float kernels, a convolution, depthwise, separable, transposed or
// dense accumulation on the buffer width, the aligned bias, the OutputQuantizer; and the weight
// layers' common quantized-config rules (§5.4, §8.2).
import KerasGraph
import Tensors

/// QuantizedConv2D, QuantizedDense, QuantizedDepthwiseConv2D, QuantizedSeparableConv2D and the
/// transposed QuantizedConv2DTranspose and QuantizedDepthwiseConv2DTranspose.
struct WeightLayerOp: LayerOp {
    enum Kind { case conv, dense, depthwise, separable, transpose, depthwiseTranspose }
    let name: String
    let kind: Kind
    let bufferBits: Int
    let weights: QuantizedWeights
    /// Pointwise weights of a separable convolution.
    let pointwise: QuantizedWeights?
    let bias: Tensor<Float>?
    let biasBits: Int
    let biasSigned: Bool
    let strides: (Int, Int)
    let dilation: (Int, Int)
    let same: Bool
    let paddingValue: [Float]?
    let weightBits: Int
    let oq: OutputQuantizerSpec?
    let kernel: KernelPack
    let pointwiseKernel: KernelPack?
    let biasMemo = QuantizationMemo<ChannelParam>()
    let outputMemo = QuantizationMemo<OutputScaling>()

    init(_ layer: QuantizedLayer, kind: Kind, mode: ReferenceMode) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        self.kind = kind
        try r.requireChannelsLast()
        if let a = r.string("activation"), a != "linear" {
            throw r.fail("activation '\(a)' must be linear in a quantized layer")
        }
        let storedBuffer = r.quantConfig.bufferBitwidth
        bufferBits = (kind == .separable ? storedBuffer : min(28, storedBuffer)) - 1
        let useBias = r.bool("use_bias", default: true)
        bias = useBias ? try r.variable("bias") : nil
        biasBits = r.quantConfig.bitwidth("bias_quantizer")
        biasSigned = r.quantConfig.signed("bias_quantizer", default: true)
        oq = try r.outputQuantizer()
        switch kind {
        case .conv, .dense:
            if kind == .conv, let g = r.int("groups"), g != 1 {
                throw r.fail("groups = \(g): grouped convolutions are not supported")
            }
            weightBits = r.quantConfig.bitwidth("weight_quantizer")
            weights = quantizeWeights(try r.variable("kernel"), bits: weightBits, axis: .last, mode: mode)
            pointwise = nil
        case .transpose:
            weightBits = r.quantConfig.bitwidth("weight_quantizer")
            weights = try Self.transposedWeights(r, bits: weightBits, mode: mode)
            pointwise = nil
        case .depthwise, .depthwiseTranspose:
            if let m = r.int("depth_multiplier"), m != 1 {
                throw r.fail("depth_multiplier = \(m): only 1 is supported")
            }
            weightBits = r.quantConfig.bitwidth("weight_quantizer")
            // The transposed form quantizes its kernel per-tensor (weight_quantizer axis None).
            weights = quantizeWeights(
                try r.variable("depthwise_kernel"), bits: weightBits, axis: kind == .depthwise ? .depthwise : .tensor,
                mode: mode)
            pointwise = nil
        case .separable:
            if let m = r.int("depth_multiplier"), m != 1 {
                throw r.fail("depth_multiplier = \(m): only 1 is supported")
            }
            weightBits = r.quantConfig.bitwidth("dw_weight_quantizer")
            weights = quantizeWeights(try r.variable("depthwise_kernel"), bits: weightBits, axis: .tensor, mode: mode)
            pointwise = quantizeWeights(
                try r.variable("pointwise_kernel"), bits: r.quantConfig.bitwidth("pw_weight_quantizer"), axis: .last,
                mode: mode)
        }
        for w in [weights] + (pointwise.map { [$0] } ?? []) where w.shape.count != (kind == .dense ? 2 : 4) {
            throw r.fail("kernel of shape \(w.shape) does not fit the layer")
        }
        if [.depthwise, .separable, .depthwiseTranspose].contains(kind), weights.shape[3] != 1 {
            throw r.fail("depthwise kernel of shape \(weights.shape) should end with 1 (depth_multiplier 1)")
        }
        if let pw = pointwise, pw.shape[0] != 1 || pw.shape[1] != 1 {
            throw r.fail("pointwise kernel of shape \(pw.shape) should be 1x1")
        }
        if kind == .dense {
            strides = (1, 1); dilation = (1, 1); same = false
        } else {
            strides = try r.pair("strides")
            dilation = (try? r.pair("dilation_rate")) ?? (1, 1)
            same = try r.padding()
        }
        if let pv = layer.config["padding_value"], !pv.isNull {
            let values = (pv.array ?? [pv]).compactMap { $0.double.map(Float.init) }
            guard !values.isEmpty else { throw r.fail("padding_value should be a list of numbers") }
            paddingValue = values
        } else {
            paddingValue = nil
        }
        let layout: IntegerLayout? =
            switch kind {
            case .conv: .rows(segments: weights.shape[0])
            case .dense: .rows(segments: 1)
            case .depthwise, .separable: .depthwise
            case .transpose, .depthwiseTranspose: .transposed
            }
        kernel = KernelPack(
            weights.values, outputs: kind == .separable ? weights.shape[2] : weights.shape.last ?? 1, layout: layout)
        pointwiseKernel = pointwise.map { KernelPack($0.values, outputs: $0.shape[3], layout: .rows(segments: 1)) }
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        guard let input = inputs.first else { throw QuantizedModelError.arithmetic(layer: name, reason: "no input") }
        let isDepthwise = kind == .depthwise
        let x = try adaptInput(
            input, layer: name, bits: bufferBits, expand: !isDepthwise,
            acceptQFloat: kind == .conv || kind == .dense)
        var acc: QTensor
        switch kind {
        case .dense:
            let k = weights.shape[0], units = weights.shape[1]
            guard x.channels == k else { throw shapeError(x.shape) }
            let rows = x.values.count / max(k, 1)
            let a = kernel.dense(x.values, rows: rows, k: k, units: units, source: unexpanded(input, x))
            acc = QTensor(
                values: payload(a, bits: bufferBits), shape: Array(x.shape.dropLast()) + [units],
                valueBits: bufferBits, fracBits: x.fracBits, scales: try accumulatorScales(x))
        case .conv:
            acc = try convolve(x, source: unexpanded(input, x))
        case .transpose, .depthwiseTranspose:
            acc = try transposeConvolve(x)
        case .depthwise:
            let (n, h, w, c) = try nhwc(x.shape)
            guard weights.shape[2] == c else { throw shapeError(x.shape) }
            let rows = WindowAxis(
                input: h, kernel: weights.shape[0], stride: strides.0, dilation: dilation.0, same: same)
            let cols = WindowAxis(
                input: w, kernel: weights.shape[1], stride: strides.1, dilation: dilation.1, same: same)
            let a = kernel.depthwise(x.values, n: n, h: h, w: w, c: c, rows: rows, cols: cols)
            acc = QTensor(
                values: payload(a, bits: bufferBits), shape: [n, rows.output, cols.output, c],
                valueBits: bufferBits, fracBits: x.fracBits, scales: try accumulatorScales(x))
        case .separable:
            guard x.isPerTensor else {
                throw QuantizedModelError.arithmetic(layer: name, reason: "input must be per-tensor")
            }
            let (n, h, w, c) = try nhwc(x.shape)
            guard weights.shape[2] == c, let pw = pointwise, let pwKernel = pointwiseKernel, pw.shape[2] == c else {
                throw shapeError(x.shape)
            }
            let rows = WindowAxis(
                input: h, kernel: weights.shape[0], stride: strides.0, dilation: dilation.0, same: same)
            let cols = WindowAxis(
                input: w, kernel: weights.shape[1], stride: strides.1, dilation: dilation.1, same: same)
            let d = payload(
                kernel.depthwise(x.values, n: n, h: h, w: w, c: c, rows: rows, cols: cols), bits: bufferBits)
            let f = pw.shape[3], positions = n * rows.output * cols.output
            let a = pwKernel.dense(d, rows: positions, k: c, units: f)
            acc = QTensor(
                values: payload(a, bits: bufferBits), shape: [n, rows.output, cols.output, f],
                valueBits: bufferBits, fracBits: x.fracBits, scales: try accumulatorScales(x))
        }
        try addBias(&acc, bias: bias, bits: biasBits, signed: biasSigned, memo: biasMemo)
        return .quantized(try applyOutputQuantizer(acc, oq, memo: outputMemo))
    }

    /// Scales of the accumulator: the input's scales times the weight scales (S_X = 1 for
    /// FixedPoints); a separable layer multiplies its depthwise and pointwise weight scales.
    func accumulatorScales(_ x: QTensor) throws -> ChannelParam {
        switch kind {
        case .depthwise: return ChannelParam(perChannel: weights.scales)
        case .depthwiseTranspose: return ChannelParam(scalar: weights.scales[0])
        case .separable: return ChannelParam(perChannel: (pointwise?.scales ?? []).map { weights.scales[0] * $0 })
        case .conv, .dense, .transpose: break
        }
        let w = ChannelParam(perChannel: weights.scales)
        guard let s = x.scales else { return w }
        guard s.values.count == 1 else {
            throw QuantizedModelError.arithmetic(
                layer: name, reason: "a QFloat input with per-channel scales is not per-tensor")
        }
        return s.combined(w) { $0 * $1 }
    }

    /// A per-axis FixedPoint input of a conv or dense layer before `adaptInput` expanded it into `x`.
    func unexpanded(_ input: QValue, _ x: QTensor) -> UnexpandedInput? {
        guard kind == .conv || kind == .dense, case .quantized(let q) = input, !q.isPerTensor, q.scales == nil
        else { return nil }
        let shifts = expandShifts(q)
        guard shifts.count == q.channels, shifts.allSatisfy({ $0 >= 0 && $0 <= 31 && $0 == $0.rounded() }) else {
            return nil
        }
        return UnexpandedInput(
            values: q.values, shifts: shifts.map { Int32($0) },
            limit: Double(sign: .plus, exponent: x.valueBits, significand: 1) - 1)
    }

    func convolve(_ x: QTensor, source: UnexpandedInput?) throws -> QTensor {
        let (n, h, w, c) = try nhwc(x.shape)
        let kh = weights.shape[0], kw = weights.shape[1], f = weights.shape[3]
        guard weights.shape[2] == c else { throw shapeError(x.shape) }
        let rows: WindowAxis, cols: WindowAxis
        let pad = try alignedPadding(x)?.values.values
        if pad != nil {
            rows = WindowAxis(explicitSameInput: h, kernel: kh, stride: strides.0, dilation: dilation.0)
            cols = WindowAxis(explicitSameInput: w, kernel: kw, stride: strides.1, dilation: dilation.1)
        } else {
            rows = WindowAxis(input: h, kernel: kh, stride: strides.0, dilation: dilation.0, same: same)
            cols = WindowAxis(input: w, kernel: kw, stride: strides.1, dilation: dilation.1, same: same)
        }
        let a = kernel.convolve(
            x.values, n: n, h: h, w: w, c: c, filters: f, rows: rows, cols: cols, padValue: pad, source: source)
        return QTensor(
            values: payload(a, bits: bufferBits), shape: [n, rows.output, cols.output, f],
            valueBits: bufferBits, fracBits: x.fracBits, scales: try accumulatorScales(x))
    }

    /// The padding value aligned on the (adapted) input, with the shifts that aligned it.
    func alignedPadding(_ x: QTensor) throws -> (values: ChannelParam, shifts: [Float])? {
        guard let pv = paddingValue, kind == .conv else { return nil }
        guard x.isQFloat else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "a padding value needs a QFloat input")
        }
        guard pv.count == 1 || pv.count == x.channels else {
            throw QuantizedModelError.invalidModel(
                layer: name, reason: "padding_value has \(pv.count) values for \(x.channels) channels")
        }
        return try alignedQuantize(pv, bIsScalar: false, onto: x, bits: weightBits, signed: true)
    }

    func shapeError(_ shape: [Int]) -> QuantizedModelError {
        .invalidInput("layer '\(name)' cannot take an input of shape \(shape) with a kernel of shape \(weights.shape)")
    }

    func nhwc(_ shape: [Int]) throws -> (Int, Int, Int, Int) {
        guard shape.count == 4 else {
            throw QuantizedModelError.invalidInput("layer '\(name)' expects a 4-D input, got \(shape)")
        }
        return (shape[0], shape[1], shape[2], shape[3])
    }
}

extension WeightLayerOp {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        guard let input = inputs.first else { return nil }
        let x = try adaptInput(
            input, layer: name, bits: bufferBits, expand: kind != .depthwise,
            acceptQFloat: kind == .conv || kind == .dense)
        var r = LayerIntegers()
        r.kernel = Tensor(shape: weights.shape, scalars: weights.values)
        r.pointwiseKernel = pointwise.map { Tensor(shape: $0.shape, scalars: $0.values) }
        if kind != .depthwise, case .quantized(let q) = input, !q.fracBits.isUniform {
            r.inputShift = expandShifts(q)
        }
        r.paddingValue = try alignedPadding(x)?.values.values
        try r.setBiasAndOutput(
            bias: bias, bits: biasBits, signed: biasSigned, input: x, scales: try accumulatorScales(x),
            bufferBits: bufferBits, oq)
        return r
    }
}

/// A QuantizeML weight layer: it holds weights, needs aligned inputs, absorbs equalization
/// rates, and runs a WeightLayerOp of its kind.
protocol QuantizedWeightLayerType: QuantizedLayerType {
    static var kind: WeightLayerOp.Kind { get }
}

extension QuantizedWeightLayerType {
    static var hasWeights: Bool { true }
    static var needsAlignedInputs: Bool { true }
    static var equalization: EqualizationRole { .absorbs }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp {
        try WeightLayerOp(layer, kind: kind, mode: mode)
    }
}

/// The quantized config rules the four weight layer classes share.
enum WeightLayerConfig {
    /// The float layer's config with `quant_config` (and `padding_value` last), or nil when the
    /// reference's constructor would refuse it. `completing` adds the class's quantizer defaults
    /// and returns false for a config the class refuses.
    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig,
        completing: (inout QuantConfig) -> Bool
    ) -> JSONValue? {
        let cfg = node.config
        if cfg["data_format"]?.string == "channels_first" { return nil }
        if let a = node.activationName, a != "linear" { return nil }
        var qc = quantConfig
        guard completing(&qc), acceptsBitwidth(qc["bias_quantizer"]) else { return nil }
        var pairs = cfg.objectPairs ?? []
        pairs.removeAll { $0.0 == "padding_value" || $0.0 == "quant_config" }
        pairs.append(("quant_config", qc.json))
        if let pv = cfg["padding_value"] { pairs.append(("padding_value", pv)) }
        return .object(pairs)
    }

    /// A `{"bitwidth": bits}` quantizer.
    static func quantizer(bits: Int) -> JSONValue { .object([("bitwidth", .number(Double(bits)))]) }

    /// The weight quantizer default and the 28-bit accumulator cap of the single-kernel layers.
    static func completeSingleKernel(
        _ qc: inout QuantConfig, params: QuantizationParams,
        axis: JSONValue? = nil
    ) -> Bool {
        qc.setDefault("weight_quantizer", quantizer(bits: params.weightBits))
        if let axis { qc["weight_quantizer"] = (qc["weight_quantizer"] ?? .object([])).setting("axis", to: axis) }
        guard acceptsBitwidth(qc["weight_quantizer"]) else { return false }
        qc.setDefault("buffer_bitwidth", .number(Double(params.bufferBits)))
        qc["buffer_bitwidth"] = .number(Double(min(28, qc["buffer_bitwidth"]?.int ?? 28)))
        return true
    }
}
