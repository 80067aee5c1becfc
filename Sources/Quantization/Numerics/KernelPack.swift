// KernelPack: a layer's integer kernel prepared once for every accumulation route — packed for the
// CKernels u8 × s8 kernels (convolution, dense, pointwise) or held as int32 (depthwise) when its
// values fit 8 bits, and as Float / Double for the exact float loops of Kernels.swift. Every route
// yields the exact integer sums S as Float32 (`Float(S)`, what an exact Double sum rounds to), so
// they agree bit for bit; the integer routes run when the payloads are integers whose sums provably
// fit int32, the float loops otherwise.
import CKernels
import CKernelsQuantized

/// How the integer routes read a kernel.
enum IntegerLayout {
    /// `segments` × length × outputs: a convolution's (kh, kw·C, F), a dense or pointwise (1, K, F).
    case rows(segments: Int)
    /// (kh, kw, C) of a depthwise kernel (multiplier 1).
    case depthwise
    /// (kh, kw, C, F) of a transposed convolution, or (kh, kw, C) of its depthwise form.
    case transposed
}

/// Weights packed for `sf_conv_i8` (freed with the layer op).
final class PackedBytes: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<sf_packed_i8>

    init?(_ w: [Int32], segments: Int, outputs: Int) {
        guard segments > 0, outputs > 0, !w.isEmpty, w.count % (segments * outputs) == 0,
            let p = sf_pack_i8(w, Int32(segments), Int32(w.count / (segments * outputs)), Int32(outputs), nil, 0)
        else { return nil }
        pointer = p
    }

    deinit { sf_free_i8(pointer) }
}

/// An integer kernel for every route, with the bound that picks one.
struct KernelPack {
    let single: [Float]
    let double: [Double]
    /// Largest Σ|w| feeding one output value.
    let maxL1: Double
    /// The byte route's packed weights (`.rows` layouts whose values fit int8).
    let bytes: PackedBytes?
    /// The int32 routes' weights (`.depthwise` and `.transposed` layouts whose values fit int8).
    let ints: [Int32]?
    /// The int8 values and segments of a `.rows` layout, for the packings of shifted inputs.
    let rowWeights: (values: [Int32], segments: Int, outputs: Int)?
    let shiftGroups = ShiftGroupCache()

    /// `outputs`: number of distinct outputs; element i feeds output `i % outputs`.
    init(_ values: [Float], outputs: Int, layout: IntegerLayout? = nil) {
        single = values
        double = values.map(Double.init)
        var l1 = [Double](repeating: 0, count: max(outputs, 1))
        for (i, v) in values.enumerated() { l1[i % l1.count] += Double(abs(v)) }
        maxL1 = l1.max() ?? 0
        let int8 = values.allSatisfy { $0 == $0.rounded() && $0 >= -128 && $0 <= 127 }
        let w = int8 ? values.map { Int32($0) } : []
        switch layout {
        case .rows(let segments)? where int8:
            bytes = PackedBytes(w, segments: segments, outputs: outputs)
            rowWeights = (w, segments, outputs)
        default:
            bytes = nil
            rowWeights = nil
        }
        switch layout {
        case .depthwise?, .transposed?: ints = int8 ? w : nil
        default: ints = nil
        }
    }

    /// Runs `float` when every partial sum provably stays below 2^24 in magnitude, else `double`.
    func accumulate(inputMax: Float, float: ([Float]) -> [Float], double: ([Double]) -> [Double]) -> [Float] {
        if Double(inputMax) * maxL1 < 16_777_216 { return float(single) }
        return double(self.double).map { Float($0) }
    }

    /// True when integer payloads in `range` give sums that fit int32 (exact in 32-bit arithmetic).
    func fitsInt32(_ range: PayloadRange, l1: Double? = nil) -> Bool {
        range.integral && range.maxAbs < 2_147_483_648 && range.maxAbs * (l1 ?? maxL1) <= Double(Int32.max)
    }

}

/// The value range of a payload (and of the padding values it is read with).
struct PayloadRange {
    var lo: Float = 0
    var hi: Float = 0
    /// Every value is a finite integer.
    var integral = true

    init(_ x: [Float], padding: [Float]? = nil) {
        for values in [x, padding ?? []] where !values.isEmpty {
            var l: Float = 0, h: Float = 0
            let ok = values.withUnsafeBufferPointer { sf_q_range_f32($0.baseAddress, $0.count, &l, &h) } != 0
            lo = min(lo, l)
            hi = max(hi, h)
            integral = integral && ok
        }
    }

    var maxAbs: Double { max(-Double(lo), Double(hi)) }

    /// How the values travel as bytes: unsigned as they are, signed plus 128; nil beyond 8 bits.
    var byteOffset: Int32? {
        guard integral else { return nil }
        if lo >= 0 && hi <= 255 { return 0 }
        if lo >= -128 && hi <= 127 { return 128 }
        return nil
    }
}
