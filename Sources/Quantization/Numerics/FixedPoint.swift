// Fixed-point and scaled fixed-point tensors (QuantizeML's FixedPoint and QFloat) and their
// primitive operations. As in the reference, payloads are integers held in Float32 and every
// quantization step is a Float32 operation in the reference order, so results are bit-exact
// including the reference's own float32 effects (products above 2^24, `+ 0.5` rounding).
import Diagnostics
import Foundation

/// A scalar or one value per channel (last axis): frac bits and scales.
public struct ChannelParam: Equatable, Sendable {
    public var values: [Float]
    /// True for a 0-d parameter; a 1-d parameter of length 1 is not scalar.
    public var isScalar: Bool

    public init(scalar value: Float) {
        values = [value]
        isScalar = true
    }

    public init(perChannel values: [Float]) {
        self.values = values
        isScalar = false
    }

    @inline(__always) public subscript(channel: Int) -> Float {
        values.count == 1 ? values[0] : values[channel]
    }

    /// True when the parameter broadcasts over `channels` channels.
    public func fits(channels: Int) -> Bool { values.count == 1 || values.count == channels }

    /// One value for every channel, or a single one: `fb` of a per-tensor FixedPoint.
    public var isUniform: Bool { values.count == 1 }

    public var maximum: Float { values.max() ?? 0 }

    /// Elementwise combination with broadcasting of single values.
    public func combined(_ other: ChannelParam, _ op: (Float, Float) -> Float) -> ChannelParam {
        let n = max(values.count, other.values.count)
        let out = (0..<n).map { op(self[$0], other[$0]) }
        return isScalar && other.isScalar ? ChannelParam(scalar: out[0]) : ChannelParam(perChannel: out)
    }

    public func map(_ op: (Float) -> Float) -> ChannelParam {
        var c = self
        c.values = values.map(op)
        return c
    }
}

/// A quantized tensor: `value = values · 2^-fracBits (· scales)`.
public struct QTensor: Equatable, Sendable {
    /// Integer payload stored as Float32, row-major, last axis = channels.
    public var values: [Float]
    public var shape: [Int]
    /// Magnitude bits (sign excluded); payloads lie in [-2^valueBits, 2^valueBits - 1].
    public var valueBits: Int
    public var fracBits: ChannelParam
    /// nil for a FixedPoint; the float scales of a QFloat.
    public var scales: ChannelParam?

    public init(values: [Float], shape: [Int], valueBits: Int, fracBits: ChannelParam, scales: ChannelParam? = nil) {
        self.values = values
        self.shape = shape
        self.valueBits = valueBits
        self.fracBits = fracBits
        self.scales = scales
    }

    public var isQFloat: Bool { scales != nil }
    public var channels: Int { shape.last ?? 1 }

    /// FixedPoint: fb scalar or of length 1; QFloat: also a 0-d scale.
    public var isPerTensor: Bool {
        fracBits.isUniform && (scales.map { $0.isScalar } ?? true)
    }

    /// The float value (QuantizeML's Dequantizer): `f32(f32(V / 2^fb) · S)`.
    public func dequantized() -> [Float] {
        let c = channels
        var out = values
        for i in out.indices {
            var v = out[i] / pow2(fracBits[i % c])
            if let s = scales { v = v * s[i % c] }
            out[i] = v
        }
        return out
    }
}

// MARK: scalar helpers

/// 2^n for integral n, exact (n may be ±inf; NaN from corrupt ranges stays NaN).
@inline(__always) func pow2(_ n: Float) -> Float {
    if n.isNaN { return .nan }
    if n > 1000 { return .infinity }
    if n < -1000 { return 0 }
    return Float(sign: .plus, exponent: Int(n), significand: 1)
}

/// TensorFlow's float32 log2: `ln(x) / 0.6931472` (not exact on some powers of two, see §2.4).
@inline(__always) func log2f32(_ x: Float) -> Float {
    Float(logf(x)) / Float(0.6931472)
}

@inline(__always) func ceilLog2(_ x: Float) -> Float { log2f32(x).rounded(.up) }
@inline(__always) func floorLog2(_ x: Float) -> Float { log2f32(x).rounded(.down) }

/// The largest frac bits with which `range` fits in `valueBits` (clamped to valueBits).
@inline(__always) func maxFracBits(_ valueBits: Int, _ range: Float, clamp: Bool = true) -> Float {
    let fb = Float(valueBits) - ceilLog2(range)
    return clamp ? min(fb, Float(valueBits)) : fb
}

/// Round half to even (tf.math.round).
@inline(__always) func rne(_ x: Float) -> Float { x.rounded(.toNearestOrEven) }

/// floor without a libm call (baseline x86-64 has no SSE4.1 round) and without branches, so
/// loops vectorise: a float32 has at most 24 significant bits, so in Double `(d + 1.5·2^52) −
/// 1.5·2^52` rounds it to an integer exactly; ±inf and NaN pass through.
@inline(__always) func floorFast(_ x: Float) -> Float {
    let d = Double(x)
    let magic = 6_755_399_441_055_744.0
    let r = (d + magic) - magic
    let f = r > d ? r - 1 : r
    return abs(d) < 4_503_599_627_370_496.0 ? Float(f) : x
}

/// Round half up (floor(x + 0.5) in float32): every rescale right shift.
@inline(__always) func rhu(_ x: Float) -> Float { floorFast(x + 0.5) }

@inline(__always) func saturationBounds(_ bits: Int) -> (Float, Float) {
    let p = pow2(Float(bits))
    return (-p, p - 1)
}

/// clip(v, -2^bits, 2^bits - 1) evaluated in float32, in place.
func saturate(_ values: inout [Float], _ bits: Int) {
    let (lo, hi) = saturationBounds(bits)
    affine(&values, channels: 1, lo: [lo], hi: [hi])
}

// MARK: frac-bit changes

/// Accumulators saturated to `bits`.
func payload(_ acc: consuming [Float], bits: Int) -> [Float] {
    var v = acc
    saturate(&v, bits)
    return v
}

enum FixedPointError: UserFacingError {
    /// `rescale` would shift left by at least the target value bits (reference InvalidArgumentError).
    case rescaleSaturates(target: Float, bits: Int)
    case notAligned

    var problemType: ProblemType { .quantizationFailed }

    var description: String {
        switch self {
        case .rescaleSaturates(let target, let bits):
            return "Cannot rescale to \(target) fractional bits as it will saturate its \(bits) buffer "
                + "(the frac bits of the channels are too far apart; quantize with per_tensor_activations)"
        case .notAligned:
            return "tensors with different channel counts cannot be aligned"
        }
    }

    var fix: String? {
        if case .rescaleSaturates = self { return "Quantize with per_tensor_activations." }
        return nil
    }
}

extension QTensor {
    /// QuantizeML `rescale`: move to `targetFracBits` (RHU right shifts, exact left shifts),
    /// saturating to `targetBits`.
    consuming func rescaled(to target: ChannelParam, bits targetBits: Int) throws -> QTensor {
        let c = channels
        let shift = target.combined(fracBits) { $0 - $1 }
        for (i, s) in shift.values.enumerated() where !(s < Float(targetBits)) {
            throw FixedPointError.rescaleSaturates(target: target[i], bits: targetBits)
        }
        let (lo, hi) = saturationBounds(targetBits)
        let m = shift.values.map(pow2)
        guard m.count == 1 || m.count == c else { throw FixedPointError.notAligned }
        var t = self
        affine(&t.values, channels: c, mul: m, roundHalfUp: true, lo: [lo], hi: [hi])
        t.valueBits = targetBits
        t.fracBits = target
        return t
    }

    /// QuantizeML `promote`: same payload, wider value bits.
    func promoted(to bits: Int) -> QTensor {
        var t = self
        t.valueBits = bits
        return t
    }

    /// QuantizeML `expand`: every channel left-shifted to the largest frac bits (per-tensor result).
    consuming func expanded(to bits: Int) throws -> QTensor {
        try rescaled(to: ChannelParam(scalar: fracBits.maximum), bits: bits)
    }
}

// MARK: float → fixed point

/// `sat(RNE(x · 2^fb))` with per-channel fb broadcast on the last axis of `x`.
func quantizeValues(_ x: [Float], channels: Int, bits: Int, fracBits: ChannelParam) -> [Float] {
    let (lo, hi) = saturationBounds(bits)
    var out = x
    for i in out.indices {
        out[i] = min(max(rne(out[i] * pow2(fracBits[i % channels])), lo), hi)
    }
    return out
}
