// Compilation of an AkidaModel into simulator steps: parameters and variables read, checked
// against the declared shapes, and pre-arranged (kernels in cross-correlation orientation,
// v1 fully-connected weights in row-major input order, shifted biases, clip values).

/// What a layer computes, with everything the kernels need.
enum LayerOp {
    case inputData(bits: Int, signed: Bool)
    case quantizer(scales: [Float], zeroPoints: [Int64], bits: Int, signed: Bool)
    case neural(Neural)
    case add(aShift: [Int], bShift: [Int], outputShift: [Int], bufferBits: Int, outputBits: Int)
    case concatenate
    case dequantizer(scales: [Float])
}

enum NeuralKind { case conv, depthwise, dense, separable }

enum Pooling { case none, max(WindowAxis, WindowAxis), global }

/// A convolution, depthwise, dense or separable layer of either target.
struct Neural {
    var kind: NeuralKind
    var inShape: [Int]
    var a0: WindowAxis          // convolution geometry (dense: 1×1 on a 1×1 grid)
    var a1: WindowAxis
    var k0: Int, k1: Int
    var outChannels: Int
    var weights: KernelWeights      // cross-correlation orientation
    var pointwise: KernelWeights    // separable only: (C, F)
    var inputShift: [Int32]     // per input channel (dense: per flat input); empty: none
    var padValues: [Int32]      // per input channel; empty: zero padding
    var maxPadValue: Int64 { Int64(padValues.map { abs($0) }.max() ?? 0) }
    var pooling: Pooling
    var post: PostOp
}

/// What follows accumulation: Akida 2.0 scaling or Akida 1.0 threshold/act_step.
enum PostOp {
    /// Akida 2.0. `biasBeforeSaturation` for InputConv2D.
    case v2(bias: [Int64], biasBeforeSaturation: Bool, bufferBits: Int, postOpBits: Int, outputBits: Int,
            relu: Bool, clip: [Int64], scales: [Int64], shifts: [Int])
    /// Akida 1.0; `saturate20` for fully-connected potentials.
    case v1(threshold: [Int64], actStep: [Float], actStep16: [Int64], activation: Bool, actBits: Int, saturate20: Bool)
}

struct CompiledLayer {
    var name: String
    var inbounds: [Int]
    var op: LayerOp
    var outShape: [Int]
    var outDType: AkidaOutputDType
    var outCount: Int { outShape.reduce(1, *) }
}

/// Element type of a layer output, as akida returns it.
public enum AkidaOutputDType: String, Sendable, Equatable {
    case uint8, int8, int16, int32, float32
}

/// Largest parameter value accepted (sizes, kernels, strides: far below any overflow).
let maxParameter = 1 << 20
/// Largest number of elements of one layer buffer (per sample).
let maxElements = 1 << 28
/// Largest number of inputs summed into one output: with |x| < 2^31 and |w| ≤ 2^7 every exact
/// sum stays below 2^62, so the Int64 arithmetic of the simulator never wraps.
let maxFanIn = 1 << 24

extension CompiledLayer {
    static func compile(_ model: AkidaModel) throws -> [CompiledLayer] {
        var index: [String: Int] = [:]
        var compiled: [CompiledLayer] = []
        for (i, layer) in model.layers.enumerated() {
            let inbounds = layer.inbounds.compactMap { index[$0] }
            let inShapes = inbounds.map { compiled[$0].outShape }
            let c = try compileLayer(layer, inShapes: inShapes, isFirst: i == 0, inbounds: inbounds,
                                     inDTypes: inbounds.map { compiled[$0].outDType }, model: model)
            guard c.outShape == layer.outputShape, c.outCount <= maxElements else {
                throw AkidaModelError.invalidLayer(layer: layer.name, reason:
                    "computed output shape \(c.outShape) differs from the declared \(layer.outputShape)")
            }
            index[layer.name] = i
            compiled.append(c)
        }
        return compiled
    }

    private static func compileLayer(_ layer: AkidaLayer, inShapes: [[Int]], isFirst: Bool, inbounds: [Int],
                                     inDTypes: [AkidaOutputDType], model: AkidaModel) throws -> CompiledLayer {
        func fail(_ reason: String) -> AkidaModelError { .invalidLayer(layer: layer.name, reason: reason) }
        /// A parameter, within a range that keeps every size computation far from overflow.
        func p(_ key: String) throws -> Int {
            let v = try layer.parameter(key)
            guard (-1...maxParameter).contains(v) else { throw fail("parameter '\(key)' = \(v) is out of range") }
            return v
        }
        func bits(_ key: String, _ range: ClosedRange<Int> = 1...32) throws -> Int {
            let v = try p(key)
            guard range.contains(v) else { throw fail("parameter '\(key)' = \(v) must be in \(range.lowerBound)...\(range.upperBound)") }
            return v
        }
        func dims(_ shape: [Int], _ what: String) throws -> [Int] {
            guard shape.count == 3, shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) <= maxElements else {
                throw fail("\(what) \(shape) must be 3 positive dimensions of at most \(maxElements) elements")
            }
            return shape
        }
        func ints(_ key: String, count: Int, default value: Int64? = nil) throws -> [Int64] {
            guard let v = layer.variables[key] else {
                if let value { return [Int64](repeating: value, count: count) }
                throw AkidaModelError.missingVariable(layer: layer.name, variable: key)
            }
            let data = v.integers.map(Int64.init)
            guard !v.dtype.isFloatingPoint, data.count == count else {
                throw fail("variable '\(key)' must hold \(count) integers, has shape \(v.shape) of \(v.dtype.rawValue)")
            }
            return data
        }
        func floats(_ key: String, count: Int) throws -> [Float] {
            let v = try layer.variable(key)
            guard v.values.count == count else {
                throw fail("variable '\(key)' must hold \(count) values, has shape \(v.shape)")
            }
            return v.floats
        }
        let expectedInputs: Int
        switch layer.type {
        case .add: expectedInputs = 2
        case .concatenate: expectedInputs = max(inbounds.count, 1)
        case .inputData, .quantizer, .inputConv2D, .inputConvolutional: expectedInputs = isFirst ? 0 : 1
        default: expectedInputs = 1
        }
        guard inbounds.count == expectedInputs, inbounds.count == layer.inbounds.count else {
            throw fail("\(layer.type.rawValue) expects \(expectedInputs) inbound layer(s), has \(layer.inbounds.count)")
        }
        // The first layer reads the model input, whose shape the input validation enforces.
        let inShape = isFirst ? model.inputShape : inShapes.first ?? []
        if isFirst, let declared = layer.inputShapes.first, declared != inShape {
            throw fail("input shape \(declared) differs from the model input shape \(inShape)")
        }
        _ = try dims(inShape, "input shape")
        let channels = inShape[2]

        /// A scalar or per-channel integer variable, as one value per channel.
        func perChannel(_ key: String) throws -> [Int] {
            let count = layer.variables[key]?.values.count ?? 1
            guard count == 1 || count == channels else {
                throw fail("variable '\(key)' must hold 1 or \(channels) values, has \(count)")
            }
            let v = try ints(key, count: count, default: 0).map { Int($0) }
            return count == 1 ? [Int](repeating: v[0], count: channels) : v
        }

        switch layer.type {
        case .inputData:
            let bits = try bits("input_bits")
            let shape = try dims([try p("input_width"), try p("input_height"), try p("input_channels")], "input shape")
            if isFirst && shape != inShape { throw fail("input shape \(shape) differs from the model's \(inShape)") }
            let signed = bits >= 5
            return CompiledLayer(name: layer.name, inbounds: inbounds, op: .inputData(bits: bits, signed: signed),
                                 outShape: isFirst ? shape : inShape,
                                 outDType: inDTypes.first ?? (signed ? .int8 : .uint8))
        case .quantizer:
            let bits = try bits("output_bits"), signed = try p("output_signed") != 0
            guard bits == 4 || bits == 8 else { throw fail("Quantizer output_bits must be 4 or 8, got \(bits)") }
            let shape = try dims([try p("input_width"), try p("input_height"), try p("input_channels")], "input shape")
            if shape != inShape { throw fail("input shape \(shape) differs from its input \(inShape)") }
            return CompiledLayer(name: layer.name, inbounds: inbounds,
                                 op: .quantizer(scales: try floats("scales", count: shape[2]),
                                                zeroPoints: try ints("zero_points", count: shape[2], default: 0),
                                                bits: bits, signed: signed),
                                 outShape: shape, outDType: signed ? .int8 : .uint8)
        case .dequantizer:
            return CompiledLayer(name: layer.name, inbounds: inbounds,
                                 op: .dequantizer(scales: try floats("scales", count: channels)),
                                 outShape: inShape, outDType: .float32)
        case .add:
            guard inShapes[0] == inShapes[1] else { throw fail("Add inputs have different shapes \(inShapes[0]) and \(inShapes[1])") }
            let ob = try bits("output_bits")
            return CompiledLayer(name: layer.name, inbounds: inbounds,
                                 op: .add(aShift: try perChannel("a_shift"), bShift: try perChannel("b_shift"),
                                          outputShift: try perChannel("output_shift"),
                                          bufferBits: try bits("buffer_bits"), outputBits: ob),
                                 outShape: inShape, outDType: ob <= 8 ? .int8 : .int32)
        case .concatenate:
            guard inShapes.allSatisfy({ $0[0] == inShape[0] && $0[1] == inShape[1] }) else {
                throw fail("Concatenate inputs must have the same spatial dimensions, got \(inShapes)")
            }
            return CompiledLayer(name: layer.name, inbounds: inbounds, op: .concatenate,
                                 outShape: [inShape[0], inShape[1], inShapes.map { $0[2] }.reduce(0, +)],
                                 outDType: inDTypes.first ?? .int8)
        default:
            let neural = try compileNeural(layer, inShape: inShape, ints: ints, floats: floats, p: p, fail: fail)
            let largest = [neural.a0.paddedSize * neural.a1.paddedSize * inShape[2],
                           neural.a0.output * neural.a1.output * max(neural.outChannels, inShape[2])].max() ?? 0
            guard largest <= maxElements else { throw fail("buffers of \(largest) elements exceed the limit of \(maxElements)") }
            let fanIn = neural.kind == .dense ? inShape.reduce(1, *) : neural.k0 * neural.k1 * inShape[2]
            guard fanIn <= maxFanIn else { throw fail("\(fanIn) inputs per output exceed the limit of \(maxFanIn)") }
            let outShape: [Int]
            switch neural.pooling {
            case .none: outShape = [neural.a0.output, neural.a1.output, neural.outChannels]
            case .max(let q0, let q1): outShape = [q0.output, q1.output, neural.outChannels]
            case .global: outShape = [1, 1, neural.outChannels]
            }
            let dtype: AkidaOutputDType
            switch neural.post {
            case .v2(_, _, _, _, let ob, _, _, _, _):
                dtype = ob <= 4 ? .uint8 : ob <= 8 ? .int8 : ob == 16 ? .int16 : .int32
            case .v1(_, _, _, let activation, _, _):
                dtype = activation ? .uint8 : .int32
            }
            return CompiledLayer(name: layer.name, inbounds: inbounds, op: .neural(neural), outShape: outShape, outDType: dtype)
        }
    }

    private static func compileNeural(_ layer: AkidaLayer, inShape: [Int],
                                      ints: (String, Int, Int64?) throws -> [Int64],
                                      floats: (String, Int) throws -> [Float],
                                      p: (String) throws -> Int,
                                      fail: (String) -> AkidaModelError) throws -> Neural {
        let (d0, d1, c) = (inShape[0], inShape[1], inShape[2])
        let isV1 = [.inputConvolutional, .convolutional, .separableConvolutional, .fullyConnected].contains(layer.type)
        let kind: NeuralKind
        switch layer.type {
        case .depthwiseConv2D: kind = .depthwise
        case .dense1D, .fullyConnected: kind = .dense
        case .separableConvolutional: kind = .separable
        default: kind = .conv
        }
        let w = try layer.variable("weights")
        guard w.dtype == .int8 else { throw fail("weights must be int8, got \(w.dtype.rawValue)") }
        let raw = w.integers
        var k0 = 1, k1 = 1, outChannels: Int, same = false, s0 = 1, s1 = 1
        if kind == .dense {
            let n = d0 * d1 * c
            outChannels = try p("units")
            let expected = isV1 ? [1, 1, n, outChannels] : [n, outChannels]
            guard w.shape == expected else { throw fail("weights shape \(w.shape) must be \(expected) for input \(inShape)") }
        } else {
            if isV1 {
                k0 = try p("kernel_width"); k1 = try p("kernel_height")
                s0 = try p("stride_x"); s1 = try p("stride_y")
            } else {
                k0 = try p("kernel_size"); k1 = k0
                s0 = try p("kernel_stride"); s1 = s0
            }
            same = try p("padding") != 0
            outChannels = kind == .depthwise ? c : try p("filters")
            let expected = [k0, k1, c, kind == .conv ? outChannels : 1]
            guard w.shape == expected else { throw fail("weights shape \(w.shape) must be \(expected)") }
        }
        guard let a0 = WindowAxis(size: kind == .dense ? 1 : d0, window: k0, stride: s0, same: same),
              let a1 = WindowAxis(size: kind == .dense ? 1 : d1, window: k1, stride: s1, same: same) else {
            throw fail("kernel \(k0)x\(k1) stride \(s0)x\(s1) gives an empty output on input \(inShape)")
        }
        // Kernels in cross-correlation orientation; Conv2D/DepthwiseConv2D/Convolutional/Separable
        // store them flipped (they compute true convolutions).
        let flip = [.conv2D, .depthwiseConv2D, .convolutional, .separableConvolutional].contains(layer.type)
        var weights = raw
        if flip {
            let inner = raw.count / (k0 * k1)
            for i in 0..<k0 {
                for j in 0..<k1 {
                    let src = ((k0 - 1 - i) * k1 + (k1 - 1 - j)) * inner, dst = (i * k1 + j) * inner
                    for t in 0..<inner { weights[dst + t] = raw[src + t] }
                }
            }
        }
        if layer.type == .fullyConnected && d0 * d1 > 1 {
            // v1 flattens column-major (d0 + D0·(d1 + D1·c)); rearrange to row-major inputs.
            let u = outChannels
            for x0 in 0..<d0 {
                for x1 in 0..<d1 {
                    for ch in 0..<c {
                        let src = (x0 + d0 * (x1 + d1 * ch)) * u, dst = ((x0 * d1 + x1) * c + ch) * u
                        for q in 0..<u { weights[dst + q] = raw[src + q] }
                    }
                }
            }
        }
        var pointwise: [Int32] = []
        if kind == .separable {
            let pw = try layer.variable("weights_pw")
            guard pw.dtype == .int8, pw.shape == [1, 1, c, outChannels] else { throw fail("weights_pw (\(pw.dtype.rawValue) \(pw.shape)) must be int8 [1, 1, \(c), \(outChannels)]") }
            pointwise = pw.integers
        }

        // Pooling on the convolution grid.
        let poolType = kind == .dense ? 0 : try p("pool_type")
        var pooling = Pooling.none
        if poolType == 1 {
            let (ps0, ps1, st0, st1) = isV1
                ? (try p("pooling_width"), try p("pooling_height"), try p("pooling_stride_x"), try p("pooling_stride_y"))
                : (try p("pool_size"), try p("pool_size"), try p("pool_stride"), try p("pool_stride"))
            guard let q0 = WindowAxis(size: a0.output, window: ps0, stride: st0 > 0 ? st0 : ps0, same: same),
                  let q1 = WindowAxis(size: a1.output, window: ps1, stride: st1 > 0 ? st1 : ps1, same: same) else {
                throw fail("max pooling \(ps0)x\(ps1) does not fit the \(a0.output)x\(a1.output) convolution output")
            }
            pooling = .max(q0, q1)
        } else if poolType == 2 {
            pooling = .global
        } else if poolType != 0 {
            throw fail("unknown pool_type \(poolType)")
        }

        var inputShift: [Int32] = []
        var padValues: [Int32] = []
        if layer.type == .inputConv2D {
            padValues = try ints("padding_value", c, 0).map { Int32($0) }
        } else if layer.type == .inputConvolutional {
            padValues = [Int32](repeating: Int32(clamping: try p("padding_value")), count: c)
        }
        if padValues.allSatisfy({ $0 == 0 }) { padValues = [] }
        if !isV1 && layer.type != .inputConv2D {
            let n = kind == .dense ? d0 * d1 * c : c
            inputShift = try ints("input_shift", n, 0).map { Int32(clamping: $0) }
            if inputShift.allSatisfy({ $0 == 0 }) { inputShift = [] }
        }

        let post: PostOp
        if isV1 {
            let activation = try p("activation") != 0
            let actBits = activation ? try p("act_bits") : 0
            if activation && !(1...8).contains(actBits) { throw fail("act_bits \(actBits) must be in 1...8") }
            let actStep = try floats("act_step", outChannels)
            guard actStep.allSatisfy({ $0.isFinite && $0 >= 1.0 / 16 && $0 < 0x1p40 }) else {
                throw fail("act_step values must be finite and at least 1/16 (the engine's fixed-point resolution)")
            }
            post = .v1(threshold: try ints("threshold", outChannels, 0), actStep: actStep,
                       actStep16: actStep.map { Int64(($0 * 16).rounded(.down)) },
                       activation: activation, actBits: actBits,
                       saturate20: layer.type == .fullyConnected)
        } else {
            let bb = try p("buffer_bits"), pob = try p("post_op_buffer_bits"), ob = try p("output_bits")
            guard (1...32).contains(bb), (1...32).contains(pob), (1...32).contains(ob) else {
                throw fail("buffer_bits, post_op_buffer_bits and output_bits must be in 1...32")
            }
            let bias = try ints("bias", outChannels, 0), biasShift = try ints("bias_shift", outChannels, 0)
            let activation = try p("activation")
            guard activation == 0 || activation == 1 else {
                throw fail("activation \(activation) (LUT) is not supported by the simulator")
            }
            let maxValue = try ints("max_value", outChannels, 127), maxShift = try ints("max_value_shift", outChannels, 31)
            let shifts = try ints("output_shift", outChannels, 0).map { Int($0) }
            if let bad = shifts.first(where: { abs($0) >= 32 }) { throw fail("output_shift \(bad) is outside -31...31") }
            post = .v2(bias: zip(bias, biasShift).map { satS(satShl($0, Int(min($1, 63))), pob) },
                       biasBeforeSaturation: layer.type == .inputConv2D, bufferBits: bb, postOpBits: pob, outputBits: ob,
                       relu: activation == 1,
                       clip: zip(maxValue, maxShift).map { satShl($0, Int(min($1, 63))) },
                       scales: try ints("output_scales", outChannels, 1), shifts: shifts)
        }
        return Neural(kind: kind, inShape: inShape, a0: a0, a1: a1, k0: k0, k1: k1, outChannels: outChannels,
                      weights: KernelWeights(weights, lanes: kind == .conv || kind == .dense ? outChannels : c,
                                             rowShifts: kind == .depthwise ? [] : inputShift),
                      pointwise: KernelWeights(pointwise, lanes: outChannels), inputShift: inputShift,
                      padValues: padValues, pooling: pooling, post: post)
    }
}
