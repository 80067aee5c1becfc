// The accumulations of the weight layers through KernelPack: the CKernels integer kernels when
// the payloads are integers whose sums fit int32 (u8 × s8 bytes for convolution, dense and
// pointwise; int32 for depthwise), the exact float loops of Kernels.swift otherwise. Both give
// Float(S) for the exact sums S, on every kernel path.
import CKernels
import CKernelsQuantized
import Tensors

/// A per-axis FixedPoint input of a weight layer before the layer expands it to common frac bits:
/// the payload and each channel's left shift. The expanded payload is `values << shifts` while
/// no value reaches `limit` (the expansion's saturation).
struct UnexpandedInput {
    let values: [Float]
    let shifts: [Int32]
    let limit: Double

    /// The byte route's shift groups and input range, when the expansion saturates nothing.
    func route(_ kernel: KernelPack) -> (ShiftGroups, PayloadRange, offset: Int32)? {
        let top = Double(sign: .plus, exponent: Int(shifts.max() ?? 0), significand: 1)
        let range = PayloadRange(values)
        guard let offset = range.byteOffset, range.maxAbs * top <= limit,
            let groups = kernel.shiftGroups(shifts), kernel.fitsInt32(range, l1: groups.maxShiftedL1)
        else { return nil }
        return (groups, range, offset)
    }

    /// Σ_g run(group g's packing, its channels of `values`, their count) << shift_g written to
    /// the `count` sums `out`; every run writes all `count` sums of its group.
    func groupSums(
        _ groups: ShiftGroups, channels c: Int, count: Int, into out: UnsafeMutablePointer<Int64>,
        _ run: (PackedBytes, [Float], Int, UnsafeMutablePointer<Int64>) -> Void
    ) {
        var part: [Int64] = []
        for (i, g) in groups.groups.enumerated() {
            let xg = gatherChannels(values, channels: g.channels, of: c)
            // The smallest shift is 0 (the channels with the largest frac bits): written in place.
            if i == 0 && g.shift == 0 {
                run(g.packed, xg, g.channels.count, out)
                continue
            }
            if i == 0 { out.initialize(repeating: 0, count: count) }
            if part.isEmpty { part = [Int64](unsafeUninitializedCapacity: count) { _, n in n = count } }
            part.withUnsafeMutableBufferPointer { pb in
                run(g.packed, xg, g.channels.count, pb.baseAddress!)
                sf_q_add_shifted_i64(out, pb.baseAddress, count, g.shift)
            }
        }
    }
}

extension KernelPack {
    /// conv2d's sums of x (N, H, W, C) with this (kh, kw, C, F) kernel; `source`: x before its
    /// per-channel expansion, when it was expanded.
    func convolve(
        _ x: [Float], n: Int, h: Int, w: Int, c: Int, filters f: Int, rows: WindowAxis, cols: WindowAxis,
        padValue: [Float]?, source: UnexpandedInput? = nil
    ) -> [Float] {
        let range = PayloadRange(x, padding: padValue)
        let count = n * rows.output * cols.output * f
        if cols.dilation == 1 || cols.kernel == 1 {
            if let packed = bytes, fitsInt32(range), let offset = range.byteOffset {
                return integerSums(count: count) { out in
                    convolveBytes(
                        packed, x, n: n, h: h, w: w, c: c, f: f, rows: rows, cols: cols, pad: padValue,
                        maxByte: Int32(range.hi) + offset, offset: offset, out: out)
                }
            }
            if let source, padValue == nil, let (groups, r, offset) = source.route(self) {
                return integerSums(count: count) { out in
                    source.groupSums(groups, channels: c, count: count, into: out) { packed, xg, cg, part in
                        convolveBytes(
                            packed, xg, n: n, h: h, w: w, c: cg, f: f, rows: rows, cols: cols, pad: nil,
                            maxByte: Int32(r.hi) + offset, offset: offset, out: part)
                    }
                }
            }
        }
        let inputMax = max(maxMagnitude(x), maxMagnitude(padValue ?? []))
        return accumulate(inputMax: inputMax) {
            conv2d(x, n: n, h: h, w: w, c: c, kernel: $0, filters: f, rows: rows, cols: cols, padValue: padValue)
        } double: {
            conv2d(x, n: n, h: h, w: w, c: c, kernel: $0, filters: f, rows: rows, cols: cols, padValue: padValue)
        }
    }

    /// matmul's sums of x (rows, k) with this (k, units) kernel; `source` as for `convolve`.
    func dense(_ x: [Float], rows: Int, k: Int, units: Int, source: UnexpandedInput? = nil) -> [Float] {
        let range = PayloadRange(x)
        /// Sums of `values` (rows × kc) on `packed` into `out`.
        func run(
            _ packed: PackedBytes, _ values: [Float], _ kc: Int, _ r: PayloadRange, _ offset: Int32,
            _ out: UnsafeMutablePointer<Int64>
        ) {
            var staged = stage(values, offset: offset)
            runBytes(
                packed, &staged, count: values.count, maxByte: Int32(r.hi) + offset,
                strides: (kc, 0, kc), out1: 1, pixels: rows, offset: offset, out: out)
        }
        if rows > 0, let packed = bytes, fitsInt32(range), let offset = range.byteOffset {
            return integerSums(count: rows * units) { run(packed, x, k, range, offset, $0) }
        }
        if rows > 0, let source, let (groups, r, offset) = source.route(self) {
            return integerSums(count: rows * units) { out in
                source.groupSums(groups, channels: k, count: rows * units, into: out) { run($0, $1, $2, r, offset, $3) }
            }
        }
        return accumulate(inputMax: maxMagnitude(x)) {
            matmul(x, rows: rows, k: k, kernel: $0, units: units)
        } double: {
            matmul(x, rows: rows, k: k, kernel: $0, units: units)
        }
    }

    /// depthwiseConv2d's sums of x (N, H, W, C) with this (kh, kw, C, 1) kernel.
    func depthwise(_ x: [Float], n: Int, h: Int, w: Int, c: Int, rows: WindowAxis, cols: WindowAxis) -> [Float] {
        let range = PayloadRange(x)
        if let ints, rows.dilation == 1 || rows.kernel == 1, cols.dilation == 1 || cols.kernel == 1,
            fitsInt32(range)
        {
            var x32 = [Int32](repeating: 0, count: x.count)
            sf_q_f32_to_i32(x, x.count, &x32)
            let oh = rows.output, ow = cols.output
            return integerSums(count: n * oh * ow * c) { out in
                for b in 0..<n {
                    x32.withUnsafeBufferPointer { xb in
                        sf_depthwise_i32(
                            xb.baseAddress! + b * h * w * c, Int32(h), Int32(w), Int32(rows.padBefore),
                            Int32(cols.padBefore), nil, ints, out + b * oh * ow * c, 0, Int32(oh), Int32(ow),
                            Int32(rows.kernel), Int32(cols.kernel), Int32(rows.stride), Int32(cols.stride), Int32(c))
                    }
                }
            }
        }
        return accumulate(inputMax: maxMagnitude(x)) {
            depthwiseConv2d(x, n: n, h: h, w: w, c: c, kernel: $0, rows: rows, cols: cols)
        } double: {
            depthwiseConv2d(x, n: n, h: h, w: w, c: c, kernel: $0, rows: rows, cols: cols)
        }
    }

    /// The sums of a transposed convolution of x (N, H, W, C) with this (kh, kw, C, F) kernel
    /// ((kh, kw, C) when `depthwise`, F = C) on the exact integer loop; nil when the payloads are
    /// not integers whose sums fit int32.
    func transposed(
        _ x: [Float], n: Int, h: Int, w: Int, c: Int, f: Int, rows: TransposedAxis, cols: TransposedAxis,
        depthwise: Bool
    ) -> [Float]? {
        guard let ints, fitsInt32(PayloadRange(x)) else { return nil }
        var x32 = [Int32](repeating: 0, count: x.count)
        sf_q_f32_to_i32(x, x.count, &x32)
        return integerSums(count: n * rows.output * cols.output * f, zeroed: true) { out in
            sf_q_transpose_i64(
                x32, Int32(n), Int32(h), Int32(w), Int32(c), ints, Int32(f), Int32(rows.kernel), Int32(cols.kernel),
                Int32(rows.stride), Int32(cols.stride), Int32(rows.output), Int32(cols.output), Int32(rows.padBefore),
                Int32(cols.padBefore), depthwise ? 1 : 0, out)
        }
    }

    /// The convolution sums of x (N, H, W, C) on `packed` into `out` (N, OH, OW, F).
    private func convolveBytes(
        _ packed: PackedBytes, _ x: [Float], n: Int, h: Int, w: Int, c: Int, f: Int, rows: WindowAxis,
        cols: WindowAxis, pad: [Float]?, maxByte: Int32, offset: Int32, out: UnsafeMutablePointer<Int64>
    ) {
        let oh = rows.output, ow = cols.output
        guard n > 0, oh > 0, ow > 0 else { return }
        let unpadded = rows.padBefore == 0 && cols.padBefore == 0 && oh == h && ow == w
        if rows.kernel == 1 && cols.kernel == 1 && rows.stride == 1 && cols.stride == 1 && unpadded {
            // A 1×1 convolution is a dense layer over every pixel of the batch.
            var staged = stage(x, offset: offset)
            return runBytes(
                packed, &staged, count: x.count, maxByte: maxByte, strides: (c, 0, c), out1: 1,
                pixels: n * h * w, offset: offset, out: out)
        }
        let p0 = max(h + rows.padBefore, (oh - 1) * rows.stride + (rows.kernel - 1) * rows.dilation + 1)
        let p1 = max(w + cols.padBefore, (ow - 1) * cols.stride + (cols.kernel - 1) * cols.dilation + 1)
        let count = p0 * p1 * c
        // One padding value per channel (a single one broadcasts).
        let pad = pad.map { p in (0..<c).map { p.count == 1 ? p[0] : p[$0] } }
        var staged = [UInt8](repeating: 0, count: count + Self.slack)
        for b in 0..<n {
            x.withUnsafeBufferPointer { xb in
                pad.withOptionalPointer { pp in
                    sf_q_bytes_padded_f32(
                        xb.baseAddress! + b * h * w * c, Int32(h), Int32(w), Int32(c), Int32(p0), Int32(p1),
                        Int32(rows.padBefore), Int32(cols.padBefore), pp, offset, &staged)
                }
            }
            runBytes(
                packed, &staged, count: count, maxByte: maxByte,
                strides: (rows.stride * p1 * c, cols.stride * c, rows.dilation * p1 * c), out1: ow,
                pixels: oh * ow, offset: offset, out: out + b * oh * ow * f)
        }
    }

    /// Readable bytes the byte kernels need after their input.
    private static let slack = 64

    /// `x` (integers with x + offset in 0...255) as bytes, with the kernels' slack.
    private func stage(_ x: [Float], offset: Int32) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: x.count + Self.slack)
        sf_q_bytes_padded_f32(x, 1, 1, Int32(x.count), 1, 1, 0, 0, nil, offset, &out)
        return out
    }

    /// sf_prepare_i8 then sf_conv_i8 over `count` staged bytes (modified in place).
    private func runBytes(
        _ packed: PackedBytes, _ staged: inout [UInt8], count: Int, maxByte: Int32, strides: (Int, Int, Int),
        out1: Int, pixels: Int, offset: Int32, out: UnsafeMutablePointer<Int64>
    ) {
        var high = [UInt8](repeating: 0, count: staged.count)
        staged.withUnsafeMutableBufferPointer { xb in
            high.withUnsafeMutableBufferPointer { hb in
                let split = sf_prepare_i8(packed.pointer, xb.baseAddress, hb.baseAddress, count, maxByte) != 0
                sf_conv_i8(
                    packed.pointer, xb.baseAddress, split ? hb.baseAddress : nil, strides.0, strides.1, strides.2,
                    Int32(out1), 0, Int32(pixels), offset, out)
            }
        }
    }

    /// `count` int32-sized sums written by `body` into an Int64 buffer (zeroed first when
    /// `zeroed`, else `body` writes every sum), as Float.
    private func integerSums(
        count: Int, zeroed: Bool = false, _ body: (UnsafeMutablePointer<Int64>) -> Void
    ) -> [Float] {
        guard count > 0 else { return [] }
        var sums =
            zeroed
            ? [Int64](repeating: 0, count: count)
            : [Int64](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        sums.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            sf_q_i64_to_f32(sums, count, out.baseAddress)
            initialized = count
        }
    }
}
