// Integer forward semantics of every QuantizeML layer class (reference §7): each op parses its
// config once (integer weights are derived here, from the float kernels, as the reference does
// when it builds the model) and maps input QValues to an output QValue.
import KerasGraph
import Tensors

/// A tensor flowing through a quantized model.
public enum QValue: Sendable {
    /// An integer tensor not yet wrapped as a FixedPoint (typed model input), payload as Float.
    case raw(Tensor<Float>, DType)
    case quantized(QTensor)
    case float(Tensor<Float>)

    public var shape: [Int] {
        switch self {
        case .raw(let t, _), .float(let t): return t.shape
        case .quantized(let q): return q.shape
        }
    }
}

protocol LayerOp {
    func forward(_ inputs: [QValue]) throws -> QValue
}

/// Input adaptation shared by the layers (§7.0): raw integer tensors become FixedPoints;
/// the payload is promoted to `bits`, or expanded to a common frac bits when per-axis.
func adaptInput(_ value: QValue, layer: String, bits: Int?, expand: Bool, acceptQFloat: Bool = true) throws -> QTensor {
    var x: QTensor
    switch value {
    case .quantized(let q): x = q
    case .raw(let t, let dtype): x = wrapRaw(t, dtype)
    case .float(let t): x = wrapRaw(castToInputDType(t), .uint8)
    }
    if x.isQFloat && !acceptQFloat {
        throw QuantizedModelError.arithmetic(layer: layer, reason: "QFloat inputs are not accepted (FixedPoint or integer tensors only)")
    }
    guard let bits else { return x }
    if !x.isPerTensor && expand { return try x.expanded(to: bits) }
    return x.promoted(to: bits)
}

/// `FixedPoint(x, 8·bytes − signed, 0)` of an integer tensor.
func wrapRaw(_ t: Tensor<Float>, _ dtype: DType) -> QTensor {
    let signed = [DType.int8, .int16, .int32, .int64].contains(dtype)
    return QTensor(values: t.scalars, shape: t.shape, valueBits: dtype.byteSize * 8 - (signed ? 1 : 0),
                   fracBits: ChannelParam(scalar: 0))
}

/// Float tensors fed to a quantized layer are cast to the default input dtype (uint8).
func castToInputDType(_ t: Tensor<Float>) -> Tensor<Float> {
    t.map { v in v.isNaN ? 0 : min(max(v.rounded(.towardZero), 0), 255) }
}

func expectQuantized(_ v: QValue, layer: String, what: String = "a quantized tensor") throws -> QTensor {
    guard case .quantized(let q) = v else {
        throw QuantizedModelError.arithmetic(layer: layer, reason: "expects \(what), got a float tensor")
    }
    return q
}

func applyOutputQuantizer(_ x: QTensor, _ oq: OutputQuantizerSpec?) throws -> QTensor {
    guard let oq else { return x }
    return try outputQuantize(x, oq)
}

/// Adds an aligned bias to an accumulator and saturates.
func addBias(_ acc: inout QTensor, bias: Tensor<Float>?, bits: Int, signed: Bool) throws {
    guard let bias else { return }
    guard bias.count == acc.channels else {
        throw QuantizerError.channelMismatch(variable: "bias", count: bias.count, channels: acc.channels)
    }
    let b = try alignedQuantize(bias.scalars, bIsScalar: bias.shape.isEmpty, onto: acc, bits: bits, signed: signed).values
    let c = acc.channels
    for i in acc.values.indices { acc.values[i] += b[i % c] }
    saturate(&acc.values, acc.valueBits)
}

/// Accumulators saturated to `bits`.
func payload(_ acc: [Float], bits: Int) -> [Float] {
    var v = acc
    saturate(&v, bits)
    return v
}

// MARK: weight layers

/// QuantizedConv2D, QuantizedDense, QuantizedDepthwiseConv2D and QuantizedSeparableConv2D.
struct WeightLayerOp: LayerOp {
    enum Kind { case conv, dense, depthwise, separable }
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

    init(_ layer: QuantizedLayer, kind: Kind, mode: ReferenceMode) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        self.kind = kind
        try r.requireChannelsLast()
        if let a = r.string("activation"), a != "linear" { throw r.fail("activation '\(a)' must be linear in a quantized layer") }
        let storedBuffer = r.bufferBitwidth
        bufferBits = (kind == .separable ? storedBuffer : min(28, storedBuffer)) - 1
        let useBias = r.bool("use_bias", default: true)
        bias = useBias ? try r.variable("bias") : nil
        biasBits = r.bits("bias_quantizer", default: 8)
        biasSigned = r.signed("bias_quantizer", default: true)
        oq = try r.outputQuantizer()
        switch kind {
        case .conv, .dense:
            if kind == .conv, let g = r.int("groups"), g != 1 { throw r.fail("groups = \(g): grouped convolutions are not supported") }
            weightBits = r.bits("weight_quantizer", default: 8)
            weights = quantizeWeights(try r.variable("kernel"), bits: weightBits, axis: .last, mode: mode)
            pointwise = nil
        case .depthwise:
            if let m = r.int("depth_multiplier"), m != 1 { throw r.fail("depth_multiplier = \(m): only 1 is supported") }
            weightBits = r.bits("weight_quantizer", default: 8)
            weights = quantizeWeights(try r.variable("depthwise_kernel"), bits: weightBits, axis: .depthwise, mode: mode)
            pointwise = nil
        case .separable:
            if let m = r.int("depth_multiplier"), m != 1 { throw r.fail("depth_multiplier = \(m): only 1 is supported") }
            weightBits = r.bits("dw_weight_quantizer", default: 8)
            weights = quantizeWeights(try r.variable("depthwise_kernel"), bits: weightBits, axis: .tensor, mode: mode)
            pointwise = quantizeWeights(try r.variable("pointwise_kernel"), bits: r.bits("pw_weight_quantizer", default: 8), axis: .last, mode: mode)
        }
        for w in [weights] + (pointwise.map { [$0] } ?? []) where w.shape.count != (kind == .dense ? 2 : 4) {
            throw r.fail("kernel of shape \(w.shape) does not fit the layer")
        }
        if kind == .depthwise || kind == .separable, weights.shape[3] != 1 {
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
        kernel = KernelPack(weights.values, outputs: kind == .separable ? weights.shape[2] : weights.shape.last ?? 1)
        pointwiseKernel = pointwise.map { KernelPack($0.values, outputs: $0.shape[3]) }
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        guard let input = inputs.first else { throw QuantizedModelError.arithmetic(layer: name, reason: "no input") }
        let isDepthwise = kind == .depthwise
        let x = try adaptInput(input, layer: name, bits: bufferBits, expand: !isDepthwise,
                               acceptQFloat: kind == .conv || kind == .dense)
        var acc: QTensor
        switch kind {
        case .dense:
            let k = weights.shape[0], units = weights.shape[1]
            guard x.channels == k else { throw shapeError(x.shape) }
            let rows = x.values.count / max(k, 1)
            let a = kernel.accumulate(inputMax: maxMagnitude(x.values)) {
                matmul(x.values, rows: rows, k: k, kernel: $0, units: units)
            } double: {
                matmul(x.values, rows: rows, k: k, kernel: $0, units: units)
            }
            acc = QTensor(values: payload(a, bits: bufferBits), shape: Array(x.shape.dropLast()) + [units],
                          valueBits: bufferBits, fracBits: x.fracBits, scales: try accumulatorScales(x))
        case .conv:
            acc = try convolve(x)
        case .depthwise:
            let (n, h, w, c) = try nhwc(x.shape)
            guard weights.shape[2] == c else { throw shapeError(x.shape) }
            let rows = WindowAxis(input: h, kernel: weights.shape[0], stride: strides.0, dilation: dilation.0, same: same)
            let cols = WindowAxis(input: w, kernel: weights.shape[1], stride: strides.1, dilation: dilation.1, same: same)
            let a = kernel.accumulate(inputMax: maxMagnitude(x.values)) {
                depthwiseConv2d(x.values, n: n, h: h, w: w, c: c, kernel: $0, rows: rows, cols: cols)
            } double: {
                depthwiseConv2d(x.values, n: n, h: h, w: w, c: c, kernel: $0, rows: rows, cols: cols)
            }
            acc = QTensor(values: payload(a, bits: bufferBits), shape: [n, rows.output, cols.output, c],
                          valueBits: bufferBits, fracBits: x.fracBits, scales: try accumulatorScales(x))
        case .separable:
            guard x.isPerTensor else { throw QuantizedModelError.arithmetic(layer: name, reason: "input must be per-tensor") }
            let (n, h, w, c) = try nhwc(x.shape)
            guard weights.shape[2] == c, let pw = pointwise, let pwKernel = pointwiseKernel, pw.shape[2] == c else {
                throw shapeError(x.shape)
            }
            let rows = WindowAxis(input: h, kernel: weights.shape[0], stride: strides.0, dilation: dilation.0, same: same)
            let cols = WindowAxis(input: w, kernel: weights.shape[1], stride: strides.1, dilation: dilation.1, same: same)
            let d = payload(kernel.accumulate(inputMax: maxMagnitude(x.values)) {
                depthwiseConv2d(x.values, n: n, h: h, w: w, c: c, kernel: $0, rows: rows, cols: cols)
            } double: {
                depthwiseConv2d(x.values, n: n, h: h, w: w, c: c, kernel: $0, rows: rows, cols: cols)
            }, bits: bufferBits)
            let f = pw.shape[3], positions = n * rows.output * cols.output
            let a = pwKernel.accumulate(inputMax: maxMagnitude(d)) {
                matmul(d, rows: positions, k: c, kernel: $0, units: f)
            } double: {
                matmul(d, rows: positions, k: c, kernel: $0, units: f)
            }
            acc = QTensor(values: payload(a, bits: bufferBits), shape: [n, rows.output, cols.output, f],
                          valueBits: bufferBits, fracBits: x.fracBits, scales: try accumulatorScales(x))
        }
        try addBias(&acc, bias: bias, bits: biasBits, signed: biasSigned)
        return .quantized(try applyOutputQuantizer(acc, oq))
    }

    /// Scales of the accumulator: the input's scales times the weight scales (S_X = 1 for
    /// FixedPoints); a separable layer multiplies its depthwise and pointwise weight scales.
    func accumulatorScales(_ x: QTensor) throws -> ChannelParam {
        switch kind {
        case .depthwise: return ChannelParam(perChannel: weights.scales)
        case .separable: return ChannelParam(perChannel: (pointwise?.scales ?? []).map { weights.scales[0] * $0 })
        case .conv, .dense: break
        }
        let w = ChannelParam(perChannel: weights.scales)
        guard let s = x.scales else { return w }
        guard s.values.count == 1 else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "a QFloat input with per-channel scales is not per-tensor")
        }
        return s.combined(w) { $0 * $1 }
    }

    func convolve(_ x: QTensor) throws -> QTensor {
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
        let inputMax = max(maxMagnitude(x.values), maxMagnitude(pad ?? []))
        let a = kernel.accumulate(inputMax: inputMax) {
            conv2d(x.values, n: n, h: h, w: w, c: c, kernel: $0, filters: f, rows: rows, cols: cols, padValue: pad)
        } double: {
            conv2d(x.values, n: n, h: h, w: w, c: c, kernel: $0, filters: f, rows: rows, cols: cols, padValue: pad)
        }
        return QTensor(values: payload(a, bits: bufferBits), shape: [n, rows.output, cols.output, f],
                       valueBits: bufferBits, fracBits: x.fracBits, scales: try accumulatorScales(x))
    }

    /// The padding value aligned on the (adapted) input, with the shifts that aligned it.
    func alignedPadding(_ x: QTensor) throws -> (values: ChannelParam, shifts: [Float])? {
        guard let pv = paddingValue, kind == .conv else { return nil }
        guard x.isQFloat else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "a padding value needs a QFloat input")
        }
        guard pv.count == 1 || pv.count == x.channels else {
            throw QuantizedModelError.invalidModel(layer: name, reason: "padding_value has \(pv.count) values for \(x.channels) channels")
        }
        return try alignedQuantize(pv, bIsScalar: false, onto: x, bits: weightBits, signed: true)
    }

    func shapeError(_ shape: [Int]) -> QuantizedModelError {
        .invalidInput("layer '\(name)' cannot take an input of shape \(shape) with a kernel of shape \(weights.shape)")
    }

    func nhwc(_ shape: [Int]) throws -> (Int, Int, Int, Int) {
        guard shape.count == 4 else { throw QuantizedModelError.invalidInput("layer '\(name)' expects a 4-D input, got \(shape)") }
        return (shape[0], shape[1], shape[2], shape[3])
    }
}

// MARK: activations and pooling

struct ReLUOp: LayerOp {
    let name: String
    let bufferBits: Int
    let maxValue: Float?
    let maxValueBits: Int
    let oq: OutputQuantizerSpec?

    init(_ layer: QuantizedLayer) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        bufferBits = r.bufferBitwidth
        maxValue = layer.config["max_value"]?.double.map(Float.init)
        maxValueBits = r.bits("max_value_quantizer", default: 8)
        oq = try r.outputQuantizer()
        for key in ["negative_slope", "threshold"] {
            if let v = layer.config[key]?.double, v != 0 { throw r.fail("\(key) = \(v) is not supported (must be 0)") }
        }
    }

    /// The input as the ReLU sees it: a QFloat (scale 1 for a FixedPoint).
    func adapted(_ inputs: [QValue]) throws -> QTensor {
        var x = try adaptInput(inputs[0], layer: name, bits: bufferBits, expand: false)
        if x.scales == nil { x.scales = ChannelParam(scalar: 1) }
        return x
    }

    /// `max_value` aligned on the input, with the shift that aligned it.
    func alignedMaxValue(_ x: QTensor) throws -> (values: ChannelParam, shifts: [Float])? {
        guard let mv = maxValue else { return nil }
        return try alignedQuantize([mv], bIsScalar: true, onto: x, bits: maxValueBits, signed: false)
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try adapted(inputs)
        let c = x.channels
        if let m = try alignedMaxValue(x)?.values {
            for i in x.values.indices { x.values[i] = min(max(x.values[i], 0), m[i % c]) }
        } else {
            for i in x.values.indices { x.values[i] = max(x.values[i], 0) }
        }
        return .quantized(try applyOutputQuantizer(x, oq))
    }
}

struct MaxPoolOp: LayerOp {
    let name: String
    let pool: (Int, Int)
    let strides: (Int, Int)
    let same: Bool

    init(_ layer: QuantizedLayer) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        try r.requireChannelsLast()
        pool = try r.pair("pool_size")
        strides = layer.config["strides"].map { $0.isNull } == false ? try r.pair("strides") : pool
        same = try r.padding()
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try adaptInput(inputs[0], layer: name, bits: nil, expand: false)
        guard x.shape.count == 4 else { throw QuantizedModelError.invalidInput("layer '\(name)' expects a 4-D input") }
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let rows = WindowAxis(input: h, kernel: pool.0, stride: strides.0, same: same)
        let cols = WindowAxis(input: w, kernel: pool.1, stride: strides.1, same: same)
        x.values = maxPool2d(x.values, n: n, h: h, w: w, c: c, rows: rows, cols: cols)
        x.shape = [n, rows.output, cols.output, c]
        return .quantized(x)
    }
}

struct GlobalAveragePoolOp: LayerOp {
    let name: String
    let mode: ReferenceMode
    let bufferBits: Int
    let keepDims: Bool
    let oq: OutputQuantizerSpec?

    init(_ layer: QuantizedLayer, mode: ReferenceMode) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        self.mode = mode
        try r.requireChannelsLast()
        bufferBits = r.bufferBitwidth
        keepDims = r.bool("keepdims", default: false)
        oq = try r.outputQuantizer()
    }

    /// The input expanded to per-tensor frac bits, as a 4-D tensor.
    func adapted(_ inputs: [QValue]) throws -> QTensor {
        let x = try adaptInput(inputs[0], layer: name, bits: bufferBits, expand: true)
        guard x.shape.count == 4 else { throw QuantizedModelError.invalidInput("layer '\(name)' expects a 4-D input") }
        return x
    }

    /// The mean's scales: the input's divided by the number of positions summed.
    func meanScales(_ x: QTensor) -> ChannelParam {
        let count = x.shape[1] * x.shape[2]
        return x.scales.map { $0.map { mode.divide($0, byConstant: Float(count)) } } ?? ChannelParam(scalar: Float(1.0 / Double(count)))
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        let x = try adapted(inputs)
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let sums = payload(spatialSum(x.values, n: n, h: h, w: w, c: c).map { Float($0) }, bits: bufferBits)
        let out = QTensor(values: sums, shape: keepDims ? [n, 1, 1, c] : [n, c], valueBits: bufferBits,
                          fracBits: x.fracBits, scales: meanScales(x))
        return .quantized(try applyOutputQuantizer(out, oq))
    }
}

// MARK: merges

struct AddOp: LayerOp {
    let name: String
    let bufferBits: Int
    let average: Bool
    let oq: OutputQuantizerSpec?

    init(_ layer: QuantizedLayer) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        bufferBits = r.bufferBitwidth - 1
        average = r.bool("average", default: false)
        oq = try r.outputQuantizer()
    }

    /// The two FixedPoint operands.
    func operands(_ inputs: [QValue]) throws -> (QTensor, QTensor) {
        guard inputs.count == 2 else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "QuantizedAdd takes exactly 2 inputs, got \(inputs.count)")
        }
        let a = try expectQuantized(inputs[0], layer: name), b = try expectQuantized(inputs[1], layer: name)
        guard !a.isQFloat && !b.isQFloat else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "QuantizedAdd only accepts FixedPoint inputs")
        }
        guard a.shape == b.shape else {
            throw QuantizedModelError.invalidInput("layer '\(name)' adds tensors of shapes \(a.shape) and \(b.shape)")
        }
        return (a, b)
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        let (a, b) = try operands(inputs)
        let a2 = try a.rescaled(to: a.fracBits.combined(b.fracBits, max), bits: bufferBits)
        let b2 = try b.rescaled(to: b.fracBits.combined(a2.fracBits, max), bits: bufferBits)
        var y = a2
        for i in y.values.indices { y.values[i] = a2.values[i] + b2.values[i] }
        saturate(&y.values, bufferBits)
        if average { y.fracBits = y.fracBits.map { $0 + 1 } }
        return .quantized(try applyOutputQuantizer(y, oq))
    }
}

struct ConcatenateOp: LayerOp {
    let name: String
    let axis: Int

    init(_ layer: QuantizedLayer) {
        name = layer.name
        axis = layer.config["axis"]?.int ?? -1
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        guard inputs.count == 2 else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "QuantizedConcatenate takes exactly 2 inputs, got \(inputs.count)")
        }
        let a = try expectQuantized(inputs[0], layer: name), b = try expectQuantized(inputs[1], layer: name)
        guard !a.isQFloat && !b.isQFloat, a.shape.count == b.shape.count else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "QuantizedConcatenate takes two FixedPoints of the same rank")
        }
        let rank = a.shape.count
        let ax = axis < 0 ? axis + rank : axis
        guard ax >= 1 && ax < rank, (0..<rank).allSatisfy({ $0 == ax || a.shape[$0] == b.shape[$0] }) else {
            throw QuantizedModelError.invalidInput("layer '\(name)' cannot concatenate shapes \(a.shape) and \(b.shape) on axis \(axis)")
        }
        let fb: ChannelParam
        if ax == rank - 1 {
            fb = ChannelParam(perChannel: (0..<a.channels).map { a.fracBits[$0] } + (0..<b.channels).map { b.fracBits[$0] })
        } else {
            guard a.fracBits == b.fracBits else {
                throw QuantizedModelError.arithmetic(layer: name, reason: "inputs concatenated on axis \(axis) must have equal frac bits")
            }
            fb = a.fracBits
        }
        let outer = a.shape[..<ax].reduce(1, *)
        let ia = a.shape[ax...].reduce(1, *), ib = b.shape[ax...].reduce(1, *)
        var values = [Float]()
        values.reserveCapacity(a.values.count + b.values.count)
        for o in 0..<outer {
            values.append(contentsOf: a.values[(o * ia)..<((o + 1) * ia)])
            values.append(contentsOf: b.values[(o * ib)..<((o + 1) * ib)])
        }
        var shape = a.shape
        shape[ax] += b.shape[ax]
        return .quantized(QTensor(values: values, shape: shape, valueBits: max(a.valueBits, b.valueBits), fracBits: fb))
    }
}

// MARK: shape and identity layers

struct FlattenOp: LayerOp {
    let name: String
    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try expectQuantized(inputs[0], layer: name)
        guard !x.isQFloat else { throw QuantizedModelError.arithmetic(layer: name, reason: "QuantizedFlatten only accepts FixedPoint inputs") }
        if !x.isPerTensor { x = try x.expanded(to: x.valueBits) }
        x.shape = [x.shape.first ?? 1, x.shape.dropFirst().reduce(1, *)]
        return .quantized(x)
    }
}

struct ReshapeOp: LayerOp {
    let name: String
    let target: [Int]

    init(_ layer: QuantizedLayer) throws {
        name = layer.name
        guard let t = layer.config["target_shape"]?.array?.compactMap({ $0.int }) else {
            throw QuantizedModelError.invalidModel(layer: layer.name, reason: "target_shape is missing")
        }
        target = t
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try expectQuantized(inputs[0], layer: name)
        let shape = try outputShape(x.shape)
        if !x.isPerTensor && shape.last != x.channels {
            throw QuantizedModelError.arithmetic(layer: name, reason: "a per-axis tensor must keep its last dimension when reshaped")
        }
        x.shape = shape
        return .quantized(x)
    }

    /// `(batch, *target_shape)` with a `-1` resolved.
    func outputShape(_ input: [Int]) throws -> [Int] {
        let batch = input.first ?? 1
        let total = input.dropFirst().reduce(1, *)
        var shape = target
        if let i = shape.firstIndex(of: -1) {
            let known = shape.filter { $0 != -1 }.reduce(1, *)
            shape[i] = known == 0 ? 0 : total / known
        }
        guard shape.reduce(1, *) == total else {
            throw QuantizedModelError.invalidInput("layer '\(name)' cannot reshape \(input) to \(target)")
        }
        return [batch] + shape
    }
}

struct IdentityOp: LayerOp {
    func forward(_ inputs: [QValue]) throws -> QValue { inputs[0] }
}

struct RescalingOp: LayerOp {
    let name: String
    let scale: ChannelParam

    init(_ layer: QuantizedLayer) throws {
        name = layer.name
        let r = LayerConfigReader(layer: layer)
        if let s = layer.config["scale"]?.double {
            scale = ChannelParam(scalar: Float(s))
        } else if let a = layer.config["scale"]?.array?.compactMap({ $0.double }), !a.isEmpty {
            scale = ChannelParam(perChannel: a.map(Float.init))
        } else {
            throw r.fail("scale is missing")
        }
        if let o = layer.config["offset"]?.double, o != 0 {
            throw r.fail("offset \(o) must be 0 in a quantized Rescaling (it is folded into the next layer)")
        }
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try adaptInput(inputs[0], layer: name, bits: nil, expand: false)
        guard scale.fits(channels: x.channels) else {
            throw QuantizerError.channelMismatch(variable: "scale", count: scale.values.count, channels: x.channels)
        }
        x.scales = x.scales.map { $0.combined(scale) { $0 * $1 } } ?? scale
        return .quantized(x)
    }
}

struct InputQuantizerOp: LayerOp {
    let name: String
    let spec: InputQuantizerSpec

    init(_ layer: QuantizedLayer) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        let signed = r.bool("signed", default: true)
        let bitwidth = r.int("bitwidth") ?? 8
        guard bitwidth >= (signed ? 2 : 1) else { throw r.fail("Bitwidth should be an int >= \(signed ? 2 : 1), currently \(bitwidth)") }
        spec = InputQuantizerSpec(bitwidth: bitwidth, signed: signed,
                                  rangeMin: try r.channelParam("range_min"), rangeMax: try r.channelParam("range_max"))
        let badRange = spec.rangeMax.combined(spec.rangeMin) { $0 < $1 ? 1 : 0 }.values.contains(1)
        if badRange { throw r.fail("range_max must be higher or equal than range_min.") }
        if !signed && spec.rangeMin.values.contains(where: { $0 > 0 }) {
            throw r.fail("range_min > 0 is not allowed (HW constraint).")
        }
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        guard case .float(let t) = inputs[0] else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "InputQuantizer only accepts float inputs")
        }
        return .quantized(try inputQuantize(t.scalars, shape: t.shape, spec))
    }
}

struct DequantizerOp: LayerOp {
    func forward(_ inputs: [QValue]) throws -> QValue {
        switch inputs[0] {
        case .quantized(let q): return .float(Tensor(shape: q.shape, scalars: q.dequantized()))
        case .float(let t), .raw(let t, _): return .float(t)
        }
    }
}
