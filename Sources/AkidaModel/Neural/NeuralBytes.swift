// The byte path of the neural step: when a convolution's or dense layer's inputs (shifted, padded)
// fit 8 bits and its exact sums fit 32 bits, the input is written as bytes (value + 128 when
// signed) and accumulated by the CKernels u8 × s8 kernels on the weights packed at compile time;
// the depthwise sums run on the CKernels int32 loop. Every kernel path gives the same integers.
import CKernels
import Dispatch

/// Smallest and largest value of a buffer (0, 0 when empty).
@inline(__always) func valueRange(_ x: UnsafeBufferPointer<Int32>) -> (lo: Int64, hi: Int64) {
    var lo: Int32 = 0, hi: Int32 = 0
    sf_range_i32(x.baseAddress, x.count, &lo, &hi)
    return (Int64(lo), Int64(hi))
}

/// How values in lo...hi travel as bytes: unsigned as they are, signed plus 128; nil beyond 8 bits.
@inline(__always) func byteOffset(lo: Int64, hi: Int64) -> Int32? {
    if lo >= 0 && hi <= 255 { return 0 }
    if lo >= -128 && hi <= 127 { return 128 }
    return nil
}

extension Workspace {
    /// Calls `body(first, last)` on disjoint parts of 0..<count: on `tileThreads` threads when
    /// the work (multiply-adds) pays for their dispatch, each part getting at least `tileWork`,
    /// else once on this one.
    func tiles(_ count: Int, work: Int, _ body: (Int32, Int32) -> Void) {
        let parts = min(tileThreads, count, max(1, work / max(1, tileWork)))
        if parts <= 1 { return body(0, Int32(count)) }
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            body(Int32(count * k / parts), Int32(count * (k + 1) / parts))
        }
    }

    /// sf_prepare_i8 then sf_conv_i8 over `pixels` outputs on the input bytes in `bytes`, followed by
    /// the output stage `post` (if any) while the sums are in registers or cache.
    private func convBytes(
        _ packed: UnsafeMutablePointer<sf_packed_i8>, count: Int, maxInput: Int32, strides: (Int, Int, Int),
        out1: Int, pixels: Int, offset: Int32, post: FusedOutput?
    ) {
        let x = bytes.baseAddress!
        let split = sf_prepare_i8(packed, x, byteScratch.baseAddress, count, maxInput) != 0
        let high = split ? UnsafePointer(byteScratch.baseAddress) : nil
        let work = pixels * Int(packed.pointee.segments * packed.pointee.length * packed.pointee.outputs)
        let out = acc.baseAddress
        tiles(pixels, work: work) { first, last in
            if let post {
                sf_conv_i8_output(
                    packed, x, high, strides.0, strides.1, strides.2, Int32(out1), first, last, offset, out,
                    post.stage, post.out)
            } else {
                sf_conv_i8(packed, x, high, strides.0, strides.1, strides.2, Int32(out1), first, last, offset, out)
            }
        }
    }

    /// Conv (on the padded grid) or dense accumulation of `x` into `acc` on the byte kernels;
    /// false, writing nothing, when the values or sums need wider integers. `shifts` (the layer's
    /// input shifts, per channel or per flat input for dense) are applied by the packed weights,
    /// which keep the inputs of each shift apart; nil when `x` is already shifted.
    func accumulateBytes(
        _ n: Neural, x: UnsafeBufferPointer<Int32>, range: (lo: Int64, hi: Int64), shifts: UnsafePointer<Int32>?,
        post: FusedOutput?
    ) -> Bool {
        guard let weights = n.weights.packed, weights.foldsShifts == (shifts != nil) else { return false }
        let packed = weights.pointer
        let padLo = Int64(n.padValues.min() ?? 0), padHi = Int64(n.padValues.max() ?? 0)
        let lo = min(range.lo, padLo), hi = max(range.hi, padHi)
        guard n.weights.precision(maxInput: max(-lo, hi), shifted: shifts != nil) != .sums64,
            let offset = byteOffset(lo: lo, hi: hi)
        else { return false }
        let b = bytes.baseAddress!
        let c = n.inShape[2]
        if n.kind == .dense {
            sf_bytes_padded(x.baseAddress, 1, 1, Int32(x.count), 1, 1, 0, 0, nil, offset, b)
            convBytes(
                packed, count: x.count, maxInput: Int32(hi) + offset, strides: (0, 0, x.count), out1: 1, pixels: 1,
                offset: offset, post: post)
            return true
        }
        let (d0, d1) = (n.inShape[0], n.inShape[1])
        let p0 = n.a0.paddedSize, p1 = n.a1.paddedSize
        n.padValues.withUnsafeBufferPointer { pads in
            sf_bytes_padded(
                x.baseAddress, Int32(d0), Int32(d1), Int32(c), Int32(p0), Int32(p1), Int32(n.a0.padBefore),
                Int32(n.a1.padBefore), pads.isEmpty ? nil : pads.baseAddress, offset, b)
        }
        convBytes(
            packed, count: p0 * p1 * c, maxInput: Int32(hi) + offset,
            strides: (n.a0.stride * p1 * c, n.a1.stride * c, p1 * c), out1: n.a1.output,
            pixels: n.a0.output * n.a1.output, offset: offset, post: post)
        return true
    }

    /// The separable pointwise stage over `grid` rows of depthwise sums on the byte kernels;
    /// false when the sums need wider integers.
    func pointwiseBytes(_ n: Neural, x: UnsafeBufferPointer<Int32>, grid: Int, post: FusedOutput?) -> Bool {
        guard let packed = n.pointwise.packed?.pointer else { return false }
        let (lo, hi) = valueRange(x)
        guard n.pointwise.precision(maxInput: max(-lo, hi)) != .sums64, let offset = byteOffset(lo: lo, hi: hi)
        else { return false }
        sf_bytes_padded(x.baseAddress, 1, 1, Int32(x.count), 1, 1, 0, 0, nil, offset, bytes.baseAddress)
        let c = n.inShape[2]
        convBytes(
            packed, count: x.count, maxInput: Int32(hi) + offset, strides: (c, 0, c), out1: 1, pixels: grid,
            offset: offset, post: post)
        return true
    }

    /// Depthwise sums of the unpadded input `x` (taps outside it read the layer's pad values) when they
    /// fit 32 bits, followed by the output stage `post` when given.
    func depthwiseInt32(_ n: Neural, x: UnsafeBufferPointer<Int32>, maxInput: Int64, post: FusedOutput?) -> Bool {
        guard n.weights.precision(maxInput: maxInput) != .sums64 else { return false }
        let out = acc.baseAddress
        let (d0, d1, c) = (Int32(n.inShape[0]), Int32(n.inShape[1]), Int32(n.inShape[2]))
        let (pad0, pad1, out1) = (Int32(n.a0.padBefore), Int32(n.a1.padBefore), Int32(n.a1.output))
        let (k0, k1, s0, s1) = (Int32(n.k0), Int32(n.k1), Int32(n.a0.stride), Int32(n.a1.stride))
        n.weights.w32.withUnsafeBufferPointer { w in
            n.padValues.withUnsafeBufferPointer { pads in
                let padBase = pads.isEmpty ? nil : pads.baseAddress
                tiles(n.a0.output, work: n.a0.output * n.a1.output * n.k0 * n.k1 * n.inShape[2]) { first, last in
                    if let post {
                        sf_depthwise_i32_output(
                            x.baseAddress, d0, d1, pad0, pad1, padBase, w.baseAddress, out, first, last, out1, k0, k1,
                            s0, s1, c, post.stage, post.out)
                    } else {
                        sf_depthwise_i32(
                            x.baseAddress, d0, d1, pad0, pad1, padBase, w.baseAddress, out, first, last, out1, k0, k1,
                            s0, s1, c)
                    }
                }
            }
        }
        return true
    }
}
