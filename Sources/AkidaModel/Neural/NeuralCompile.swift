// Compile step shared by the neural layer types: geometry (Akida 2.0 square or Akida 1.0
// rectangular parameters), kernels pre-arranged in cross-correlation orientation and row-major
// input order, padding and input shifts, and the post-accumulation variables of each generation.

extension Neural {
    init(_ r: LayerReader, _ traits: NeuralTraits) throws {
        let inShape = r.inShape
        let (d0, d1, c) = (inShape[0], inShape[1], inShape[2])
        let isV1 = traits.generation == .v1
        let kind = traits.kind
        let w = try r.layer.variable("weights")
        guard w.dtype == .int8 else { throw r.fail("weights must be int8, got \(w.dtype.rawValue)") }
        let raw = w.integers
        var k0 = 1, k1 = 1, outChannels: Int, same = false, s0 = 1, s1 = 1
        if kind == .dense {
            let n = d0 * d1 * c
            outChannels = try r.p("units")
            let expected = isV1 ? [1, 1, n, outChannels] : [n, outChannels]
            guard w.shape == expected else {
                throw r.fail("weights shape \(w.shape) must be \(expected) for input \(inShape)")
            }
        } else {
            if isV1 {
                k0 = try r.p("kernel_width")
                k1 = try r.p("kernel_height")
                s0 = try r.p("stride_x")
                s1 = try r.p("stride_y")
            } else {
                k0 = try r.p("kernel_size")
                k1 = k0
                s0 = try r.p("kernel_stride")
                s1 = s0
            }
            same = try r.p("padding") != 0
            outChannels = kind == .depthwise ? c : try r.p("filters")
            let expected = [k0, k1, c, kind == .conv ? outChannels : 1]
            guard w.shape == expected else { throw r.fail("weights shape \(w.shape) must be \(expected)") }
        }
        guard let a0 = WindowAxis(size: kind == .dense ? 1 : d0, window: k0, stride: s0, same: same),
            let a1 = WindowAxis(size: kind == .dense ? 1 : d1, window: k1, stride: s1, same: same)
        else {
            throw r.fail("kernel \(k0)x\(k1) stride \(s0)x\(s1) gives an empty output on input \(inShape)")
        }
        var weights = raw
        if traits.flipsKernel {
            let inner = raw.count / (k0 * k1)
            for i in 0..<k0 {
                for j in 0..<k1 {
                    let src = ((k0 - 1 - i) * k1 + (k1 - 1 - j)) * inner, dst = (i * k1 + j) * inner
                    for t in 0..<inner { weights[dst + t] = raw[src + t] }
                }
            }
        }
        if traits.fullyConnected && d0 * d1 > 1 {
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
            let pw = try r.layer.variable("weights_pw")
            guard pw.dtype == .int8, pw.shape == [1, 1, c, outChannels] else {
                throw r.fail("weights_pw (\(pw.dtype.rawValue) \(pw.shape)) must be int8 [1, 1, \(c), \(outChannels)]")
            }
            pointwise = pw.integers
        }
        let pooling = try Neural.pooling(r, kind: kind, isV1: isV1, a0: a0, a1: a1, same: same)

        var inputShift: [Int32] = []
        var padValues: [Int32] = []
        switch traits.padding {
        case .zero: break
        case .perChannelVariable: padValues = try r.ints("padding_value", count: c).map { Int32($0) }
        case .parameter:
            padValues = [Int32](repeating: Int32(clamping: try r.p("padding_value")), count: c)
        }
        if padValues.allSatisfy({ $0 == 0 }) { padValues = [] }
        if traits.shiftsInput {
            let n = kind == .dense ? d0 * d1 * c : c
            inputShift = try r.ints("input_shift", count: n).map { Int32(clamping: $0) }
            if inputShift.allSatisfy({ $0 == 0 }) { inputShift = [] }
        }
        let post = isV1 ? try Neural.activationV1(r, traits, outChannels) : try Neural.scalingV2(r, traits, outChannels)
        self.init(
            kind: kind, inShape: inShape, a0: a0, a1: a1, k0: k0, k1: k1, outChannels: outChannels,
            weights: KernelWeights(
                weights, lanes: kind == .conv || kind == .dense ? outChannels : c,
                rowShifts: kind == .depthwise ? [] : inputShift,
                segments: kind == .conv ? k0 : kind == .dense ? 1 : 0),
            pointwise: KernelWeights(pointwise, lanes: outChannels, segments: 1), inputShift: inputShift,
            padValues: padValues, pooling: pooling, post: post)
    }

    /// Pooling on the convolution grid.
    private static func pooling(
        _ r: LayerReader, kind: NeuralKind, isV1: Bool, a0: WindowAxis, a1: WindowAxis, same: Bool
    ) throws -> Pooling {
        let poolType = kind == .dense ? 0 : try r.p("pool_type")
        switch poolType {
        case 0: return .none
        case 1:
            let (ps0, ps1, st0, st1) =
                isV1
                ? (
                    try r.p("pooling_width"), try r.p("pooling_height"), try r.p("pooling_stride_x"),
                    try r.p("pooling_stride_y")
                )
                : (try r.p("pool_size"), try r.p("pool_size"), try r.p("pool_stride"), try r.p("pool_stride"))
            guard let q0 = WindowAxis(size: a0.output, window: ps0, stride: st0 > 0 ? st0 : ps0, same: same),
                let q1 = WindowAxis(size: a1.output, window: ps1, stride: st1 > 0 ? st1 : ps1, same: same)
            else {
                throw r.fail("max pooling \(ps0)x\(ps1) does not fit the \(a0.output)x\(a1.output) convolution output")
            }
            return .max(q0, q1)
        case 2: return .global
        default: throw r.fail("unknown pool_type \(poolType)")
        }
    }

    private static func activationV1(_ r: LayerReader, _ traits: NeuralTraits, _ outChannels: Int) throws -> PostOp {
        let activation = try r.p("activation") != 0
        let actBits = activation ? try r.p("act_bits") : 0
        if activation && !(1...8).contains(actBits) { throw r.fail("act_bits \(actBits) must be in 1...8") }
        let actStep = try r.floats("act_step", count: outChannels)
        guard actStep.allSatisfy({ $0.isFinite && $0 >= 1.0 / 16 && $0 < 0x1p40 }) else {
            throw r.fail("act_step values must be finite and at least 1/16 (the engine's fixed-point resolution)")
        }
        return .v1(
            ActivationV1(
                threshold: try r.ints("threshold", count: outChannels), actStep: actStep,
                actStep16: actStep.map { Int64(($0 * 16).rounded(.down)) },
                activation: activation, actBits: actBits, saturate20: traits.fullyConnected))
    }

    static func scalingV2(_ r: LayerReader, _ traits: NeuralTraits, _ outChannels: Int) throws -> PostOp {
        let bb = try r.p("buffer_bits"), pob = try r.p("post_op_buffer_bits"), ob = try r.p("output_bits")
        guard (1...32).contains(bb), (1...32).contains(pob), (1...32).contains(ob) else {
            throw r.fail("buffer_bits, post_op_buffer_bits and output_bits must be in 1...32")
        }
        let bias = try r.ints("bias", count: outChannels), biasShift = try r.ints("bias_shift", count: outChannels)
        let activation = try r.p("activation")
        guard activation == 0 || activation == 1 else {
            throw r.fail("activation \(activation) (LUT) is not supported by the simulator")
        }
        let maxValue = try r.ints("max_value", count: outChannels)
        let maxShift = try r.ints("max_value_shift", count: outChannels)
        let shifts = try r.ints("output_shift", count: outChannels).map { Int($0) }
        if let bad = shifts.first(where: { abs($0) >= 32 }) { throw r.fail("output_shift \(bad) is outside -31...31") }
        return .v2(
            ScalingV2(
                bias: zip(bias, biasShift).map { satS(satShl($0, Int(min($1, 63))), pob) },
                biasBeforeSaturation: traits.biasBeforeSaturation, bufferBits: bb, postOpBits: pob,
                outputBits: ob, relu: activation == 1,
                clip: zip(maxValue, maxShift).map { satShl($0, Int(min($1, 63))) },
                scales: try r.ints("output_scales", count: outChannels), shifts: shifts))
    }
}
