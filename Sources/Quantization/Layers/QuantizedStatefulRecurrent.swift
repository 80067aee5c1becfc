// QuantizedStatefulRecurrent: QuantizeML's integer complex recurrence. A_real and A_imag are
// FixedPoints (16-bit, per-tensor, frac bits from their own range); a QFloat input is turned
// into a FixedPoint by its 8-bit quantized scales (`new_state_scale`), then shifted onto the
// frac bits of A·state (`new_state_shift`). Each timestep computes, in float32 like the
// reference and saturated to the 32-bit buffer,
//   re' = re·Ar − im·Ai + x,  im' = re·Ai + im·Ar
// and the 16-bit per-tensor OutputQuantizer (variables `range_max`, `rescaling_rate` saved
// without the `output_quantizer/` prefix) brings both back to the state's frac bits. Each call
// starts from the zero state, every batch row its own sequence. Output (N, T, C, 2), frac bits
// per stacked axis.
import KerasGraph
import Tensors

enum QuantizedStatefulRecurrent: QuantizedLayerType {
    static let className = "QuantizedStatefulRecurrent"
    static let floatClasses = ["StatefulRecurrent"]
    static let hasWeights = true
    static let carriesState = true
    /// The OutputQuantizer variables as the layer saves them (built in the layer's own scope).
    static let outputVariablePrefix = ""

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        var qc = quantConfig
        qc.setDefault(
            "a_quantizer", .object([("bitwidth", .number(16)), ("axis", .null), ("fp_quantizer", .bool(true))]))
        qc.setDefault("output_quantizer", .object([("bitwidth", .number(16)), ("axis", .string("per-tensor"))]))
        qc.setDefault("buffer_bitwidth", .number(Double(params.bufferBits)))
        guard acceptsBitwidth(qc["a_quantizer"]) else { return nil }
        return .object(kept(node.config) + [("quant_config", qc.json)])
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp {
        try StatefulRecurrentOp(layer)
    }
}

struct StatefulRecurrentOp: LayerOp {
    let name: String
    let aReal: [Float]
    let aImag: [Float]
    /// Frac bits of both A FixedPoints (the reference requires them equal).
    let aFracBits: Float
    let bufferBits: Int
    let oq: OutputQuantizerSpec
    static let scaleBits = 8

    init(_ layer: QuantizedLayer) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        let aBits = r.quantConfig.bitwidth("a_quantizer")
        let aSigned = r.quantConfig.signed("a_quantizer", default: true)
        let valueBits = aSigned ? aBits - 1 : aBits
        func quantizeA(_ v: Tensor<Float>) -> ([Float], Float) {
            let range = v.scalars.reduce(Float(0)) { max($0, abs($1)) }
            let fb = maxFracBits(valueBits, range)
            return (quantizeValues(v.scalars, channels: 1, bits: valueBits, fracBits: ChannelParam(scalar: fb)), fb)
        }
        let (re, reFrac) = quantizeA(try r.variable("A_real"))
        let (im, imFrac) = quantizeA(try r.variable("A_imag"))
        guard reFrac == imFrac, re.count == im.count else {
            throw r.fail(
                "A_real and A_imag quantize to different frac bits (\(reFrac), \(imFrac)): they are not aligned")
        }
        (aReal, aImag, aFracBits) = (re, im, reFrac)
        bufferBits = r.quantConfig.bufferBitwidth - 1
        guard let settings = r.quantConfig.outputQuantizer, let bitwidth = settings.bitwidth else {
            throw r.fail("the layer has no output_quantizer: its state cannot be quantized")
        }
        oq = OutputQuantizerSpec(
            bitwidth: bitwidth, signed: settings.signed, scaleBits: settings.scaleBits,
            bufferBitwidth: settings.bufferBitwidth, rangeMax: try r.channelParam("range_max"),
            rescalingRate: try r.channelParam("rescaling_rate"))
    }

    /// The FixedPoint input aligned on the frac bits of A·state, with the scale mantissas and
    /// shifts applied (`new_state_scale`, `new_state_shift`).
    func alignedInput(_ value: QValue) throws -> (x: QTensor, scales: ChannelParam?, shift: ChannelParam) {
        var x = try adaptInput(value, layer: name, bits: bufferBits, expand: true)
        var mantissas: ChannelParam?
        if let s = x.scales {
            let (q, fq) = quantizeScales(s, bits: Self.scaleBits)
            let c = x.channels
            guard q.fits(channels: c) else {
                throw QuantizerError.channelMismatch(variable: "scales", count: q.values.count, channels: c)
            }
            var v = x.values
            for i in v.indices { v[i] *= q[i % c] }
            saturate(&v, x.valueBits)
            x = QTensor(
                values: v, shape: x.shape, valueBits: x.valueBits, fracBits: x.fracBits.combined(fq) { $0 + $1 })
            mantissas = q
        }
        let target = ChannelParam(scalar: outputFracBits(oq)[0] + aFracBits)
        let shift = target.combined(x.fracBits) { $0 - $1 }
        return (try x.rescaled(to: target, bits: x.valueBits), mantissas, shift)
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        let (x, _, _) = try alignedInput(inputs[0])
        guard x.shape.count == 3, x.shape[2] == aReal.count else {
            throw QuantizedModelError.arithmetic(
                layer: name, reason: "expects (batch, timesteps, \(aReal.count)) inputs, got \(x.shape)")
        }
        let (n, t, c) = (x.shape[0], x.shape[1], x.shape[2])
        let stateFrac = outputFracBits(oq)[0]
        let down = pow2(-aFracBits)
        let (lo, hi) = saturationBounds(bufferBits)
        let (outLo, outHi) = saturationBounds(oq.valueBits)
        @inline(__always) func sat(_ v: Float) -> Float { min(max(v, lo), hi) }
        @inline(__always) func requantize(_ v: Float) -> Float { min(max(rhu(v * down), outLo), outHi) }
        var y = [Float](repeating: 0, count: n * t * c * 2)
        for b in 0..<n {
            var re = [Float](repeating: 0, count: c), im = re
            for step in 0..<t {
                let row = (b * t + step) * c
                for i in 0..<c {
                    let updatedRe = sat(sat(sat(re[i] * aReal[i]) - sat(im[i] * aImag[i])) + x.values[row + i])
                    let updatedIm = sat(sat(re[i] * aImag[i]) + sat(im[i] * aReal[i]))
                    re[i] = requantize(updatedRe)
                    im[i] = requantize(updatedIm)
                    y[2 * (row + i)] = re[i]
                    y[2 * (row + i) + 1] = im[i]
                }
            }
        }
        return .quantized(
            QTensor(
                values: y, shape: [n, t, c, 2], valueBits: oq.valueBits,
                fracBits: ChannelParam(perChannel: [stateFrac, stateFrac])))
    }
}

extension StatefulRecurrentOp {
    /// The recorders of the reference: `new_state_scale` (QFloat inputs only), `new_state_shift`,
    /// the integer A (the kernel, rows A_real then A_imag) and the OutputQuantizer shift.
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        let (_, scales, shift) = try alignedInput(inputs[0])
        var r = LayerIntegers()
        r.newStateScale = scales?.values
        r.newStateShift = shift.values
        r.kernel = Tensor(shape: [2, aReal.count], scalars: aReal + aImag)
        r.outputShift = [-aFracBits]
        return r
    }
}
