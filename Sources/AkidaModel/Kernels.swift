// Integer kernels of the simulator: saturation/rounding primitives, padding geometry, and the
// convolution / depthwise / dense accumulation loops over contiguous NHWC buffers.

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

/// Output of `conv`: acc[(o0 * out1 + o1) * F + f] = Σ x[o0·s0+i, o1·s1+j, c] · w[i, j, c, f].
/// `x` is the padded input (p0 × p1 × C), `w` is (k0, k1, C, F).
@inline(__always)
func convAccumulate<A: FixedWidthInteger>(_ type: A.Type, x: UnsafeBufferPointer<Int32>, p1: Int, channels c: Int,
                                          w: UnsafeBufferPointer<Int32>, k0: Int, k1: Int, filters f: Int,
                                          a0: WindowAxis, a1: WindowAxis, acc: UnsafeMutableBufferPointer<Int64>,
                                          scratch: UnsafeMutableBufferPointer<A>) {
    for o0 in 0..<a0.output {
        for o1 in 0..<a1.output {
            let sp = scratch.baseAddress!
            for q in 0..<f { sp[q] = 0 }
            for i in 0..<k0 {
                let row = (o0 * a0.stride + i) * p1
                for j in 0..<k1 {
                    let xp = x.baseAddress! + (row + o1 * a1.stride + j) * c
                    let wp = w.baseAddress! + (i * k1 + j) * c * f
                    for ch in 0..<c {
                        let xv = A(truncatingIfNeeded: xp[ch])
                        if xv == 0 { continue }
                        let wr = wp + ch * f
                        for q in 0..<f { sp[q] &+= xv &* A(truncatingIfNeeded: wr[q]) }
                    }
                }
            }
            let out = acc.baseAddress! + (o0 * a1.output + o1) * f
            for q in 0..<f { out[q] = Int64(sp[q]) }
        }
    }
}

/// Depthwise: acc[(o0 * out1 + o1) * C + c] = Σ x[o0·s0+i, o1·s1+j, c] · w[i, j, c].
@inline(__always)
func depthwiseAccumulate<A: FixedWidthInteger>(_ type: A.Type, x: UnsafeBufferPointer<Int32>, p1: Int, channels c: Int,
                                               w: UnsafeBufferPointer<Int32>, k0: Int, k1: Int,
                                               a0: WindowAxis, a1: WindowAxis, acc: UnsafeMutableBufferPointer<Int64>,
                                               scratch: UnsafeMutableBufferPointer<A>) {
    for o0 in 0..<a0.output {
        for o1 in 0..<a1.output {
            let sp = scratch.baseAddress!
            for q in 0..<c { sp[q] = 0 }
            for i in 0..<k0 {
                let row = (o0 * a0.stride + i) * p1
                for j in 0..<k1 {
                    let xp = x.baseAddress! + (row + o1 * a1.stride + j) * c
                    let wp = w.baseAddress! + (i * k1 + j) * c
                    for ch in 0..<c { sp[ch] &+= A(truncatingIfNeeded: xp[ch]) &* A(truncatingIfNeeded: wp[ch]) }
                }
            }
            let out = acc.baseAddress! + (o0 * a1.output + o1) * c
            for q in 0..<c { out[q] = Int64(sp[q]) }
        }
    }
}

/// Dense over `rows` independent input vectors of length n: acc[r, u] = Σ x[r, k] · w[k, u].
@inline(__always)
func denseAccumulate<A: FixedWidthInteger>(_ type: A.Type, x: UnsafeBufferPointer<Int32>, rows: Int, n: Int,
                                           w: UnsafeBufferPointer<Int32>, units u: Int,
                                           acc: UnsafeMutableBufferPointer<Int64>, scratch: UnsafeMutableBufferPointer<A>) {
    let sp = scratch.baseAddress!
    for r in 0..<rows {
        for q in 0..<u { sp[q] = 0 }
        let xp = x.baseAddress! + r * n
        for k in 0..<n {
            let xv = A(truncatingIfNeeded: xp[k])
            if xv == 0 { continue }
            let wr = w.baseAddress! + k * u
            for q in 0..<u { sp[q] &+= xv &* A(truncatingIfNeeded: wr[q]) }
        }
        let out = acc.baseAddress! + r * u
        for q in 0..<u { out[q] = Int64(sp[q]) }
    }
}

/// Largest |value| in a buffer (decides whether Int32 accumulation is exact).
@inline(__always) func maxAbs(_ x: UnsafeBufferPointer<Int32>) -> Int64 {
    var lo: Int32 = 0, hi: Int32 = 0
    for v in x { lo = min(lo, v); hi = max(hi, v) }
    return max(Int64(hi), -Int64(lo))
}

/// Whether Σ |x|·|w| fits Int32 for every output, given max |x| and the largest per-output Σ|w|.
@inline(__always) func fitsInt32(maxInput: Int64, maxWeightSum: Int64) -> Bool {
    maxInput == 0 || maxWeightSum <= Int64(Int32.max) / maxInput
}
