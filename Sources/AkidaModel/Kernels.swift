// Integer kernels of the simulator: saturation/rounding primitives, padding geometry, and the
// convolution / depthwise / dense accumulation loops over contiguous NHWC buffers (the general
// loops, for values beyond 8 bits; the byte kernels are CKernels, see NeuralBytes.swift).
import CKernels

// MARK: Primitives (reference section 7.2)

@inline(__always) func satS(_ v: Int64, _ bits: Int) -> Int64 {
    if bits >= 64 { return v }
    if bits <= 0 { return 0 }
    let hi = (Int64(1) << (bits - 1)) - 1
    return min(max(v, -hi - 1), hi)
}

@inline(__always) func satU(_ v: Int64, _ bits: Int) -> Int64 {
    if bits >= 63 { return max(v, 0) }
    return min(max(v, 0), (Int64(1) << bits) - 1)
}

/// Left shift for k ≥ 0; right shift rounding half toward +infinity for k < 0.
@inline(__always) func shiftRound(_ v: Int64, _ k: Int) -> Int64 {
    if k >= 0 { return k >= 63 ? (v == 0 ? 0 : (v > 0 ? Int64.max : Int64.min)) : satShl(v, k) }
    let s = -k
    if s >= 63 { return 0 }
    return (v &+ (Int64(1) << (s - 1))) >> s
}

/// v << k without wrapping (saturates at the Int64 range; the engine never wraps).
@inline(__always) func satShl(_ v: Int64, _ k: Int) -> Int64 {
    if v == 0 || k <= 0 { return v }
    if k >= 63 { return v > 0 ? Int64.max : Int64.min }
    let limit = Int64.max >> k
    if v > limit { return Int64.max }
    if v < -limit - 1 { return Int64.min }
    return v << k
}

/// ⌈a / b⌉ for b > 0.
@inline(__always) func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && a > 0) ? q + 1 : q
}

/// Signed range of a `bits`-bit value (1...64 bits).
@inline(__always) func bounds(_ bits: Int) -> (Int64, Int64) {
    bits >= 64 ? (Int64.min, Int64.max) : (-(Int64(1) << (bits - 1)), (Int64(1) << (bits - 1)) - 1)
}

// Branch-free max/min/clamp for values well inside ±2^62 (differences cannot overflow).
@inline(__always) func maxBF(_ v: Int64, _ lo: Int64) -> Int64 { let d = v &- lo; return lo &+ (d & ~(d >> 63)) }
@inline(__always) func minBF(_ v: Int64, _ hi: Int64) -> Int64 { let d = v &- hi; return hi &+ (d & (d >> 63)) }
@inline(__always) func clampBF(_ v: Int64, _ lo: Int64, _ hi: Int64) -> Int64 { minBF(maxBF(v, lo), hi) }

// MARK: Geometry (reference section 7.6)

/// One spatial axis of a window operation: input size, window, stride, padding and output size.
struct WindowAxis: Equatable {
    var size: Int
    var window: Int
    var stride: Int
    var padBefore: Int
    var output: Int

    /// TensorFlow "SAME" (same = true) or "VALID" geometry; nil when the output would be empty.
    init?(size: Int, window: Int, stride: Int, same: Bool) {
        guard size > 0, window > 0, stride > 0 else { return nil }
        self.size = size
        self.window = window
        self.stride = stride
        if same {
            output = (size + stride - 1) / stride
            let total = size % stride == 0 ? max(window - stride, 0) : max(window - size % stride, 0)
            padBefore = total / 2
        } else {
            guard size >= window else { return nil }
            output = (size - window) / stride + 1
            padBefore = 0
        }
    }

    /// Size of the padded input actually read by the windows.
    var paddedSize: Int { max(size + padBefore, (output - 1) * stride + window) }
}

// MARK: Accumulation loops (cross-correlation on a padded input)

/// Per-output scratch lanes of the accumulator type A.
struct Lanes<A: FixedWidthInteger> {
    let scratch: UnsafeMutableBufferPointer<A>
}

/// An accumulation loop over int8 weights (held as Int16), with products computed in P and
/// sums in A.
protocol Accumulation {
    func run<A: FixedWidthInteger, P: FixedWidthInteger>(
        _ w: UnsafeBufferPointer<Int16>, _ lanes: Lanes<A>, _ product: P.Type)
}

/// acc[(o0 · out1 + o1) · F + f] = Σ x[o0·s0+i, o1·s1+j, c] · w[i, j, c, f]; `x` is the padded
/// input (rows of `p1` positions × C channels), `w` is (k0, k1, C, F).
struct ConvLoop: Accumulation {
    let x: UnsafeBufferPointer<Int32>, p1: Int, c: Int, k0: Int, k1: Int, f: Int
    let a0: WindowAxis, a1: WindowAxis
    let acc: UnsafeMutableBufferPointer<Int64>
    /// Per input channel left shift applied to each product (x << s)·w = (x·w) << s; nil: none.
    let shifts: UnsafePointer<Int32>?

    func run<A: FixedWidthInteger, P: FixedWidthInteger>(
        _ w: UnsafeBufferPointer<Int16>, _ lanes: Lanes<A>, _ product: P.Type
    ) {
        let sp = lanes.scratch.baseAddress!
        for o0 in 0..<a0.output {
            for o1 in 0..<a1.output {
                for q in 0..<f { sp[q] = 0 }
                for i in 0..<k0 {
                    let row = (o0 * a0.stride + i) * p1
                    for j in 0..<k1 {
                        let xp = x.baseAddress! + (row + o1 * a1.stride + j) * c
                        let wp = w.baseAddress! + (i * k1 + j) * c * f
                        for ch in 0..<c {
                            let xv = P(truncatingIfNeeded: xp[ch])
                            if xv == 0 { continue }  // activations are sparse
                            let wr = wp + ch * f
                            if let shifts {
                                let sh = A(truncatingIfNeeded: shifts[ch])
                                for q in 0..<f {
                                    sp[q] &+= A(truncatingIfNeeded: xv &* P(truncatingIfNeeded: wr[q])) &<< sh
                                }
                            } else {
                                for q in 0..<f { sp[q] &+= A(truncatingIfNeeded: xv &* P(truncatingIfNeeded: wr[q])) }
                            }
                        }
                    }
                }
                let out = acc.baseAddress! + (o0 * a1.output + o1) * f
                for q in 0..<f { out[q] = Int64(sp[q]) }
            }
        }
    }
}

/// acc[(o0 · out1 + o1) · C + c] = Σ x[o0·s0+i, o1·s1+j, c] · w[i, j, c].
struct DepthwiseLoop: Accumulation {
    let x: UnsafeBufferPointer<Int32>, p1: Int, c: Int, k0: Int, k1: Int
    let a0: WindowAxis, a1: WindowAxis
    let acc: UnsafeMutableBufferPointer<Int64>

    func run<A: FixedWidthInteger, P: FixedWidthInteger>(
        _ w: UnsafeBufferPointer<Int16>, _ lanes: Lanes<A>, _ product: P.Type
    ) {
        let sp = lanes.scratch.baseAddress!
        for o0 in 0..<a0.output {
            for o1 in 0..<a1.output {
                for q in 0..<c { sp[q] = 0 }
                for i in 0..<k0 {
                    let row = (o0 * a0.stride + i) * p1
                    for j in 0..<k1 {
                        let xp = x.baseAddress! + (row + o1 * a1.stride + j) * c
                        let wp = w.baseAddress! + (i * k1 + j) * c
                        for ch in 0..<c {
                            sp[ch] &+= A(
                                truncatingIfNeeded: P(truncatingIfNeeded: xp[ch]) &* P(truncatingIfNeeded: wp[ch]))
                        }
                    }
                }
                let out = acc.baseAddress! + (o0 * a1.output + o1) * c
                for q in 0..<c { out[q] = Int64(sp[q]) }
            }
        }
    }
}

/// Dense over `rows` input vectors of length n: acc[r, u] = Σ x[r, k] · w[k, u].
struct DenseLoop: Accumulation {
    let x: UnsafeBufferPointer<Int32>, rows: Int, n: Int, u: Int
    let acc: UnsafeMutableBufferPointer<Int64>
    /// Per input element left shift applied to each product; nil: none.
    let shifts: UnsafePointer<Int32>?

    func run<A: FixedWidthInteger, P: FixedWidthInteger>(
        _ w: UnsafeBufferPointer<Int16>, _ lanes: Lanes<A>, _ product: P.Type
    ) {
        let sp = lanes.scratch.baseAddress!
        for r in 0..<rows {
            for q in 0..<u { sp[q] = 0 }
            let xp = x.baseAddress! + r * n
            for k in 0..<n {
                let xv = P(truncatingIfNeeded: xp[k])
                if xv == 0 { continue }
                let wr = w.baseAddress! + k * u
                let sh = A(truncatingIfNeeded: shifts?[k] ?? 0)
                for q in 0..<u { sp[q] &+= A(truncatingIfNeeded: xv &* P(truncatingIfNeeded: wr[q])) &<< sh }
            }
            let out = acc.baseAddress! + r * u
            for q in 0..<u { out[q] = Int64(sp[q]) }
        }
    }
}

/// Largest |value| in a buffer (decides whether Int32 accumulation is exact).
@inline(__always) func maxAbs(_ x: UnsafeBufferPointer<Int32>) -> Int64 {
    var lo: Int32 = 0, hi: Int32 = 0
    for v in x { lo = min(lo, v); hi = max(hi, v) }
    return max(Int64(hi), -Int64(lo))
}

/// Integer widths of one accumulation (weights are int8, so |w| ≤ 128).
enum Precision {
    /// Int16 products (|x| ≤ 255: |x·w| ≤ 32640), Int32 sums: the fastest SIMD path.
    case products16
    /// Int32 products and sums (16-bit operands widen cheaply).
    case sums32
    /// Int64 products and sums: always exact for the engine's value ranges.
    case sums64

    /// The narrowest exact precision given max |x| and the largest Σ|w| of one output.
    static func choose(maxInput: Int64, maxWeightSum: Int64) -> Precision {
        guard maxInput == 0 || maxWeightSum <= Int64(Int32.max) / maxInput else { return .sums64 }
        return maxInput <= 255 ? .products16 : .sums32
    }
}

/// An int8 kernel (held as Int16, the operand width of the SIMD loops; as Int32 for the depthwise
/// kernel; packed for the u8 × s8 kernels) and its largest Σ|w|.
struct KernelWeights {
    let w16: [Int16]
    let w32: [Int32]
    /// The weights in the CKernels layout (conv and dense: `segments` contiguous input runs per output).
    let packed: PackedWeights?
    /// Largest Σ|w| feeding one accumulator; `lanes` = accumulators, the fastest-varying weight axis.
    let maxSum: Int64

    /// `rowShifts`: left shift of the input feeding weight row r (r = index / lanes), cycled.
    /// `segments` > 0 packs the weights once for the byte kernels as that many equal input runs.
    init(_ w: [Int32], lanes: Int, rowShifts: [Int32] = [], segments: Int = 0) {
        w16 = w.map { Int16(clamping: $0) }
        w32 = w
        let l = max(lanes, 1)
        var sums = [Int64](repeating: 0, count: l), shiftedSums = sums
        for (i, v) in w.enumerated() {
            sums[i % l] += Int64(abs(v))
            let shift = rowShifts.isEmpty ? 0 : Int(rowShifts[(i / l) % rowShifts.count])
            shiftedSums[i % l] = shiftedSums[i % l] &+ satShl(Int64(abs(v)), min(shift, 40))
        }
        maxSum = sums.max() ?? 0
        shiftedMaxSum = shiftedSums.max() ?? 0
        let fitsInt8 = w.allSatisfy { (-128...127).contains($0) }
        packed =
            segments > 0 && fitsInt8 && !w.isEmpty && w.count % (segments * l) == 0
            ? PackedWeights(
                w, segments: segments, length: w.count / (segments * l), outputs: l, rowShifts: rowShifts) : nil
    }

    /// Largest Σ|w|·2^shift of one accumulator when products are shifted per input row.
    let shiftedMaxSum: Int64

    func precision(maxInput: Int64, shifted: Bool = false) -> Precision {
        .choose(maxInput: maxInput, maxWeightSum: shifted ? shiftedMaxSum : maxSum)
    }
}

/// Weights packed once, at compile time, for `sf_conv_i8` (freed with the compiled model).
final class PackedWeights: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<sf_packed_i8>
    /// The input shifts are folded in: the kernels expect unshifted inputs.
    let foldsShifts: Bool

    init?(_ w: [Int32], segments: Int, length: Int, outputs: Int, rowShifts: [Int32]) {
        guard
            let p = sf_pack_i8(
                w, Int32(segments), Int32(length), Int32(outputs), rowShifts, Int32(rowShifts.count))
        else { return nil }
        pointer = p
        foldsShifts = rowShifts.contains { $0 != 0 }
    }

    deinit { sf_free_i8(pointer) }
}
