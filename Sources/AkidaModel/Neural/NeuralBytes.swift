// The byte path of the neural step: when a convolution's or dense layer's inputs (shifted, padded)
// fit 8 bits and its exact sums fit 32 bits, the input is written as bytes (value + 128 when
// signed) and accumulated by the CKernels u8 × s8 kernels on the weights packed at compile time;
// the depthwise sums run on the CKernels int32 loop. Every kernel path gives the same integers.
import CKernels

/// Smallest and largest value of a buffer (0, 0 when empty).
@inline(__always) func valueRange(_ x: UnsafeBufferPointer<Int32>) -> (lo: Int64, hi: Int64) {
    var lo: Int32 = 0, hi: Int32 = 0
    if let first = x.first { (lo, hi) = (first, first) }
    for v in x {
        lo = min(lo, v)
        hi = max(hi, v)
    }
    return (Int64(lo), Int64(hi))
}

/// How values in lo...hi travel as bytes: unsigned as they are, signed plus 128; nil beyond 8 bits.
@inline(__always) func byteOffset(lo: Int64, hi: Int64) -> Int32? {
    if lo >= 0 && hi <= 255 { return 0 }
    if lo >= -128 && hi <= 127 { return 128 }
    return nil
}

extension Workspace {
    /// Conv (on the padded grid) or dense accumulation of `x` into `acc` on the byte kernels;
    /// false, writing nothing, when the values or sums need wider integers. `shifts` (per
    /// channel, or per flat input for dense) are folded into the input as exact left shifts.
    func accumulateBytes(
        _ n: Neural, x: UnsafeBufferPointer<Int32>, range: (lo: Int64, hi: Int64), shifts: UnsafePointer<Int32>?
    ) -> Bool {
        guard let packed = n.weights.packed?.pointer else { return false }
        let padLo = Int64(n.padValues.min() ?? 0), padHi = Int64(n.padValues.max() ?? 0)
        var lo = min(range.lo, padLo), hi = max(range.hi, padHi)
        let maxInput = max(-lo, hi)
        guard n.weights.precision(maxInput: maxInput, shifted: shifts != nil) != .sums64 else { return false }
        if shifts != nil {
            let s = Int(n.inputShift.max() ?? 0)
            if lo < 0 { lo = satShl(lo, s) }
            if hi > 0 { hi = satShl(hi, s) }
        }
        guard let offset = byteOffset(lo: lo, hi: hi) else { return false }
        let b = bytes.baseAddress!
        let m = n.inputShift.count
        @inline(__always) func byte(_ v: Int32, _ k: Int) -> UInt8 {
            UInt8(truncatingIfNeeded: (shifts.map { v << $0[k % m] } ?? v) &+ offset)
        }
        let c = n.inShape[2]
        if n.kind == .dense {
            for k in 0..<x.count { b[k] = byte(x[k], k) }
            sf_conv_i8(
                packed, b, byteScratch.baseAddress, x.count, Int32(hi) + offset, 0, 0, x.count, 1, 1, offset,
                acc.baseAddress)
            return true
        }
        let (d0, d1) = (n.inShape[0], n.inShape[1])
        let p0 = n.a0.paddedSize, p1 = n.a1.paddedSize
        for r in 0..<p0 {
            for q in 0..<p1 {
                let o = (r * p1 + q) * c
                let ir = r - n.a0.padBefore, iq = q - n.a1.padBefore
                if ir >= 0 && ir < d0 && iq >= 0 && iq < d1 {
                    let s = (ir * d1 + iq) * c
                    for ch in 0..<c { b[o + ch] = byte(x[s + ch], ch) }
                } else {
                    for ch in 0..<c { b[o + ch] = byte(n.padValues.isEmpty ? 0 : n.padValues[ch], ch) }
                }
            }
        }
        sf_conv_i8(
            packed, b, byteScratch.baseAddress, p0 * p1 * c, Int32(hi) + offset, n.a0.stride * p1 * c,
            n.a1.stride * c, p1 * c, Int32(n.a0.output), Int32(n.a1.output), offset, acc.baseAddress)
        return true
    }

    /// The separable pointwise stage over `grid` rows of depthwise sums on the byte kernels;
    /// false when the sums need wider integers.
    func pointwiseBytes(_ n: Neural, x: UnsafeBufferPointer<Int32>, grid: Int) -> Bool {
        guard let packed = n.pointwise.packed?.pointer else { return false }
        let (lo, hi) = valueRange(x)
        guard n.pointwise.precision(maxInput: max(-lo, hi)) != .sums64, let offset = byteOffset(lo: lo, hi: hi)
        else { return false }
        let b = bytes.baseAddress!
        for k in 0..<x.count { b[k] = UInt8(truncatingIfNeeded: x[k] &+ offset) }
        let c = n.inShape[2]
        sf_conv_i8(
            packed, b, byteScratch.baseAddress, x.count, Int32(hi) + offset, c, 0, c, Int32(grid), 1, offset,
            acc.baseAddress)
        return true
    }

    /// Depthwise sums of the padded input `src` (rows of `p1` positions) when they fit 32 bits.
    func depthwiseInt32(_ n: Neural, src: UnsafeBufferPointer<Int32>, p1: Int, maxInput: Int64) -> Bool {
        guard n.weights.precision(maxInput: maxInput) != .sums64 else { return false }
        n.weights.w32.withUnsafeBufferPointer { w in
            sf_depthwise_i32(
                src.baseAddress, w.baseAddress, acc.baseAddress, Int32(n.a0.output), Int32(n.a1.output),
                Int32(n.k0), Int32(n.k1), Int32(n.a0.stride), Int32(n.a1.stride), Int32(p1), Int32(n.inShape[2]))
        }
        return true
    }
}
