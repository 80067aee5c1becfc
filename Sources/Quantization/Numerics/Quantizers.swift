// QuantizeML's quantizers: WeightQuantizer (per-channel scaled weights), AlignedWeightQuantizer
// (bias, ReLU max_value, padding value aligned on an accumulator), scale quantization,
// OutputQuantizer (scale-out to the activation width) and InputQuantizer (float inputs).
// Float32 operation order follows the reference (e.g. W / (R / 127), (b / S) · 2^fb).
import Diagnostics
import Tensors

/// Integer weights with their float scales (fb 0): `W ≈ values · scales`.
struct QuantizedWeights {
    var values: [Float]
    var shape: [Int]
    var valueBits: Int
    /// One scale per entry of the kept axis, or a single one.
    var scales: [Float]
}

enum WeightAxis {
    /// Per output channel (last axis): Conv2D, Dense, pointwise kernels.
    case last
    /// Per channel of a depthwise kernel (kh, kw, C, 1): axis −2.
    case depthwise
    /// One range for the whole kernel: SeparableConv2D depthwise part.
    case tensor
}

/// How the reference evaluates divisions by constants. `model.predict` runs a TensorFlow graph
/// whose optimizer rewrites `x / c` (c a constant) into `x · (1/c)`, while an eager call divides;
/// the two can differ by an ulp in weight scales, hence in dequantized outputs.
public enum ReferenceMode: Sendable {
    /// Reproduces `model.predict` (quant_out.npy).
    case predict
    /// Reproduces an eager `model(x)` call (quant_layers.npz).
    case eager

    /// `x / c` for a constant `c`, as the reference evaluates it in this mode.
    @inline(__always) func divide(_ x: Float, byConstant c: Float) -> Float {
        self == .predict ? x * (1 / c) : x / c
    }
}

/// WeightQuantizer (fp_quantizer off): `S = max(max|W| / (2^vb − 1), 1e-6)`, `Wq = sat(RNE(W / S))`.
func quantizeWeights(_ w: Tensor<Float>, bits: Int, axis: WeightAxis, mode: ReferenceMode) -> QuantizedWeights {
    let vb = bits - 1
    let shape = w.shape
    let last = shape.last ?? 1
    // Index of the kept channel for element i, and the number of kept channels.
    let (count, channelOf): (Int, (Int) -> Int) = {
        switch axis {
        case .last: return (last, { $0 % last })
        case .depthwise:
            let c = shape.count >= 2 ? shape[shape.count - 2] : 1
            return (c, { ($0 / last) % c })
        case .tensor: return (1, { _ in 0 })
        }
    }()
    var ranges = [Float](repeating: 0, count: count)
    for (i, v) in w.scalars.enumerated() {
        let c = channelOf(i)
        ranges[c] = max(ranges[c], abs(v))
    }
    let denominator = pow2(Float(vb)) - 1
    let floor = Float(1e-6)
    let scales = ranges.map { max(mode.divide($0, byConstant: denominator), floor) }
    let (lo, hi) = saturationBounds(vb)
    var values = w.scalars
    for i in values.indices {
        values[i] = min(max(rne(values[i] / scales[channelOf(i)]), lo), hi)
    }
    return QuantizedWeights(values: values, shape: shape, valueBits: vb, scales: scales)
}

/// AlignedWeightQuantizer: quantizes `b` (0-d, or one value per channel) onto the frac bits,
/// scales and value bits of `other` (a QFloat accumulator). Returns the aligned payload, one
/// value per channel of the result (a single value when everything is scalar), and the left
/// shift that aligned each value.
func alignedQuantize(
    _ b: [Float], bIsScalar: Bool, onto other: QTensor, bits: Int,
    signed: Bool
) throws -> (values: ChannelParam, shifts: [Float]) {
    let vb = signed ? bits - 1 : bits
    let scales = other.scales ?? ChannelParam(scalar: 1)
    let bParam = bIsScalar ? ChannelParam(scalar: b.first ?? 0) : ChannelParam(perChannel: b)
    let globalRange = b.map(abs).max() ?? 0
    let ranges = bits > 4 ? bParam.map(abs) : ChannelParam(scalar: globalRange)
    let ratio = ranges.combined(scales) { $0 / $1 }
    let fbB = ratio.map { maxFracBits(vb, $0) }.combined(other.fracBits) { min($0, $1) }
    let scaled = bParam.combined(scales) { $0 / $1 }
    let (lo, hi) = saturationBounds(vb)
    let n = max(scaled.values.count, fbB.values.count, other.fracBits.values.count)
    let isScalar = scaled.isScalar && fbB.isScalar && other.fracBits.isScalar
    let q = (0..<n).map { min(max(rne(scaled[$0] * pow2(fbB[$0])), lo), hi) }
    let fixed = QTensor(
        values: q, shape: [n], valueBits: vb,
        fracBits: ChannelParam(perChannel: (0..<n).map { fbB[$0] }))
    let target = ChannelParam(perChannel: (0..<n).map { other.fracBits[$0] })
    let aligned = try fixed.rescaled(to: target, bits: other.valueBits)
    let values = isScalar ? ChannelParam(scalar: aligned.values[0]) : ChannelParam(perChannel: aligned.values)
    return (values, (0..<n).map { target[$0] - fbB[$0] })
}

/// Adds a bias aligned on the accumulator and saturates (reference §7.7).
/// `memo` keeps the aligned bias per accumulator quantization.
func addBias(
    _ acc: inout QTensor, bias: Tensor<Float>?, bits: Int, signed: Bool, memo: QuantizationMemo<ChannelParam>? = nil
) throws {
    guard let bias else { return }
    guard bias.count == acc.channels else {
        throw QuantizerError.channelMismatch(variable: "bias", count: bias.count, channels: acc.channels)
    }
    let onto = acc.quantization
    let align = {
        try alignedQuantize(bias.scalars, bIsScalar: bias.shape.isEmpty, onto: onto, bits: bits, signed: signed)
            .values
    }
    let b = try memo.map { try $0.value(for: acc, align) } ?? align()
    let (lo, hi) = saturationBounds(acc.valueBits)
    affine(&acc.values, channels: acc.channels, add: b.values, lo: [lo], hi: [hi])
}

/// `QFloat.quantize_scales`: 8-bit mantissas `Q` and their frac bits (not clamped).
func quantizeScales(_ s: ChannelParam, bits: Int) -> (q: ChannelParam, fracBits: ChannelParam) {
    let f = s.map { maxFracBits(bits, $0, clamp: false) }
    let (lo, hi) = saturationBounds(bits)
    let q = s.combined(f) { min(max(rne($0 * pow2($1)), lo), hi) }
    return (q, f)
}

/// A parsed OutputQuantizer: config plus its calibrated variables.
struct OutputQuantizerSpec {
    var bitwidth: Int
    var signed: Bool
    var scaleBits: Int
    var bufferBitwidth: Int
    var rangeMax: ChannelParam
    var rescalingRate: ChannelParam

    var valueBits: Int { signed ? bitwidth - 1 : bitwidth }
}

enum QuantizerError: UserFacingError {
    case pointless(inBits: Int, outBits: Int)
    /// A saved per-channel variable does not match the tensor's channel count.
    case channelMismatch(variable: String, count: Int, channels: Int)

    var problemType: ProblemType { .quantizationFailed }

    var description: String {
        switch self {
        case .pointless(let i, let o):
            return "Quantizing a \(i)-bit QTensor to \(o)-bit is pointless."
                + (i < o ? " Use a promotion instead." : "")
        case .channelMismatch(let variable, let count, let channels):
            return "'\(variable)' holds \(count) values for a tensor of \(channels) channels"
        }
    }
}

/// OutputQuantizer call: QFloat inputs are multiplied by their quantized scales (times the
/// equalization rate) in a `buffer` accumulator, then everything is right-shifted (RHU) to the
/// frac bits given by `range_max` and saturated to the output width.
/// `memo` keeps the scale mantissas and output frac bits per input quantization.
func outputQuantize(
    _ x: QTensor, _ oq: OutputQuantizerSpec, memo: QuantizationMemo<OutputScaling>? = nil
) throws -> QTensor {
    let vbOut = oq.valueBits
    for (name, p) in [
        ("output_quantizer/range_max", oq.rangeMax), ("output_quantizer/rescaling_rate", oq.rescalingRate),
    ]
    where !p.fits(channels: x.channels) {
        throw QuantizerError.channelMismatch(variable: name, count: p.values.count, channels: x.channels)
    }
    guard x.valueBits > vbOut else { throw QuantizerError.pointless(inBits: x.valueBits, outBits: vbOut) }
    let scaling = memo.map { $0.value(for: x) { OutputScaling(x, oq) } } ?? OutputScaling(x, oq)
    var p = x
    if let (q, fq) = scaling.mantissas {
        let (lo, hi) = saturationBounds(oq.bufferBitwidth)
        var v = x.values
        affine(&v, channels: x.channels, mul: q.values, lo: [lo], hi: [hi])
        p = QTensor(
            values: v, shape: x.shape, valueBits: oq.bufferBitwidth,
            fracBits: x.fracBits.combined(fq) { $0 + $1 }, scales: nil)
    }
    return try p.rescaled(to: scaling.target, bits: vbOut)
}

/// What an OutputQuantizer derives from its input's quantization: the scale mantissas and their
/// frac bits (QFloat inputs), and the output frac bits.
struct OutputScaling {
    let mantissas: (q: ChannelParam, fracBits: ChannelParam)?
    let target: ChannelParam

    init(_ x: QTensor, _ oq: OutputQuantizerSpec) {
        mantissas = x.scales.map { outputScaleMantissas($0, oq) }
        target = outputFracBits(oq)
    }
}

/// The scales of a QFloat reaching an OutputQuantizer (times the equalization rate), quantized.
func outputScaleMantissas(
    _ scales: ChannelParam, _ oq: OutputQuantizerSpec
) -> (q: ChannelParam, fracBits: ChannelParam) {
    quantizeScales(scales.combined(oq.rescalingRate) { $0 * $1 }, bits: oq.scaleBits)
}

/// The frac bits of an OutputQuantizer's result, given by its calibrated `range_max`.
func outputFracBits(_ oq: OutputQuantizerSpec) -> ChannelParam {
    oq.rangeMax.map { maxFracBits(oq.valueBits, $0) }
}

/// The integers an OutputQuantizer applies to `x`: the scale mantissas (QFloat inputs only) and
/// the shift from the (scaled) input frac bits to the output frac bits.
func outputQuantizerIntegers(_ x: QTensor, _ oq: OutputQuantizerSpec?) -> (scales: ChannelParam?, shift: ChannelParam)?
{
    guard let oq else { return nil }
    var frac = x.fracBits
    var mantissas: ChannelParam?
    if let s = x.scales {
        let (q, fq) = outputScaleMantissas(s, oq)
        mantissas = q
        frac = frac.combined(fq) { $0 + $1 }
    }
    return (mantissas, outputFracBits(oq).combined(frac) { $0 - $1 })
}

/// A parsed InputQuantizer.
struct InputQuantizerSpec {
    var bitwidth: Int
    var signed: Bool
    var rangeMin: ChannelParam
    var rangeMax: ChannelParam

    var valueBits: Int { signed ? bitwidth - 1 : bitwidth }
}

/// InputQuantizer call on float inputs (RNE): signed → FixedPoint; unsigned → QFloat with scale
/// 1.0 whose payload carries the zero point `−range_min`.
func inputQuantize(_ x: [Float], shape: [Int], _ iq: InputQuantizerSpec) throws -> QTensor {
    for (name, p) in [("range_min", iq.rangeMin), ("range_max", iq.rangeMax)] where !p.fits(channels: shape.last ?? 1) {
        throw QuantizerError.channelMismatch(variable: name, count: p.values.count, channels: shape.last ?? 1)
    }
    let vb = iq.valueBits
    let fb = iq.fracBits
    let c = shape.last ?? 1
    var values = quantizeValues(x, channels: c, bits: vb, fracBits: fb)
    guard let z = iq.zeroPoints else {
        return QTensor(values: values, shape: shape, valueBits: vb, fracBits: fb)
    }
    let (lo, hi) = saturationBounds(vb)
    for i in values.indices { values[i] = min(max(values[i] + z[i % c], lo), hi) }
    return QTensor(values: values, shape: shape, valueBits: vb, fracBits: fb, scales: ChannelParam(scalar: 1))
}

extension InputQuantizerSpec {
    /// Frac bits of the quantized inputs, from the calibrated range.
    var fracBits: ChannelParam {
        let range =
            signed
            ? rangeMax.combined(rangeMin) { max(abs($0), abs($1)) }
            : rangeMax.combined(rangeMin) { $0 - $1 }
        return range.map { maxFracBits(valueBits, $0) }
    }

    /// Unsigned inputs only: the payload of the zero point `−range_min`.
    var zeroPoints: ChannelParam? {
        guard !signed else { return nil }
        let (lo, hi) = saturationBounds(valueBits)
        return rangeMin.map { -$0 / Float(1.0) }.combined(fracBits) { min(max(rne($0 * pow2($1)), lo), hi) }
    }
}
