// Float kernels over volumes (N, D0, D1, D2, C), for the Conv3D-form spatio-temporal models:
// grouped 3-D convolution, zero padding and average pooling, with TensorFlow's window geometry.

/// Padding before and after each of the three spatial axes of a volume.
public struct Padding3D: Equatable, Sendable {
    public var before: [Int]
    public var after: [Int]

    public init(before: [Int], after: [Int]) {
        self.before = before
        self.after = after
    }
}

extension Kernels {
    /// Cross-correlation of (N, D0, D1, D2, C) with a (k0, k1, k2, C / groups, F) kernel: output
    /// channel f reads input group f / (F / groups); `padding` zeros around the volume first.
    public static func conv3D(
        _ input: Tensor<Float>, kernel: Tensor<Float>, bias: [Float]?, strides: [Int], padding: Padding3D, groups: Int
    ) throws -> Tensor<Float> {
        let s = input.shape, k = kernel.shape
        guard s.count == 5, k.count == 5, strides.count == 3, groups > 0, s[4] % groups == 0,
            k[3] * groups == s[4], k[4] % groups == 0, bias.map({ $0.count == k[4] }) ?? true
        else {
            throw TensorError.shapeMismatch("conv3D: input \(s) does not fit kernel \(k) with \(groups) group(s)")
        }
        let x = try pad3D(input, padding: padding)
        let p = x.shape
        let out = (0..<3).map { outputSize(p[$0 + 1], 0, 0, k[$0], strides[$0]) }
        let (c, cg, f) = (s[4], k[3], k[4])
        let fg = f / groups
        var y = [Float](repeating: 0, count: s[0] * out.reduce(1, *) * f)
        var acc = [Float](repeating: 0, count: fg)
        x.scalars.withUnsafeBufferPointer { xs in
            kernel.scalars.withUnsafeBufferPointer { ws in
                var o = 0
                for n in 0..<s[0] {
                    for i0 in 0..<out[0] {
                        for i1 in 0..<out[1] {
                            for i2 in 0..<out[2] {
                                for g in 0..<groups {
                                    for j in 0..<fg { acc[j] = 0 }
                                    for d0 in 0..<k[0] {
                                        for d1 in 0..<k[1] {
                                            for d2 in 0..<k[2] {
                                                let a0 = i0 * strides[0] + d0, a1 = i1 * strides[1] + d1
                                                let a2 = i2 * strides[2] + d2
                                                let xBase = (((n * p[1] + a0) * p[2] + a1) * p[3] + a2) * c + g * cg
                                                let wBase = ((d0 * k[1] + d1) * k[2] + d2) * cg * f + g * fg
                                                for ci in 0..<cg {
                                                    let v = xs[xBase + ci]
                                                    if v == 0 { continue }
                                                    let w = wBase + ci * f
                                                    for j in 0..<fg { acc[j] += v * ws[w + j] }
                                                }
                                            }
                                        }
                                    }
                                    for j in 0..<fg { y[o + g * fg + j] = acc[j] + (bias?[g * fg + j] ?? 0) }
                                }
                                o += f
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [s[0]] + out + [f], scalars: y)
    }

    /// Zeros around the three spatial axes of (N, D0, D1, D2, C).
    public static func pad3D(_ input: Tensor<Float>, padding: Padding3D) throws -> Tensor<Float> {
        let s = input.shape
        guard s.count == 5, padding.before.count == 3, padding.after.count == 3 else {
            throw TensorError.shapeMismatch("pad3D: input \(s) is not (N, D0, D1, D2, C)")
        }
        if padding.before.allSatisfy({ $0 == 0 }) && padding.after.allSatisfy({ $0 == 0 }) { return input }
        let p = [s[0]] + (0..<3).map { s[$0 + 1] + padding.before[$0] + padding.after[$0] } + [s[4]]
        var y = [Float](repeating: 0, count: p.reduce(1, *))
        let c = s[4]
        for n in 0..<s[0] {
            for i0 in 0..<s[1] {
                for i1 in 0..<s[2] {
                    let src = (((n * s[1] + i0) * s[2] + i1) * s[3]) * c
                    let b = padding.before
                    let dst = (((n * p[1] + i0 + b[0]) * p[2] + i1 + b[1]) * p[3] + b[2]) * c
                    for t in 0..<(s[3] * c) { y[dst + t] = input.scalars[src + t] }
                }
            }
        }
        return Tensor(shape: p, scalars: y)
    }

    /// Average pooling of (N, D0, D1, D2, C); padded cells ('same') are not counted, as in TensorFlow.
    public static func averagePool3D(
        _ input: Tensor<Float>, pool: [Int], strides: [Int], padding: Padding3D
    ) throws -> Tensor<Float> {
        let s = input.shape
        guard s.count == 5, pool.count == 3, strides.count == 3 else {
            throw TensorError.shapeMismatch("averagePool3D: input \(s) is not (N, D0, D1, D2, C)")
        }
        let out = (0..<3).map { outputSize(s[$0 + 1], padding.before[$0], padding.after[$0], pool[$0], strides[$0]) }
        let c = s[4]
        var y = [Float](repeating: 0, count: s[0] * out.reduce(1, *) * c)
        var o = 0
        for n in 0..<s[0] {
            for i0 in 0..<out[0] {
                for i1 in 0..<out[1] {
                    for i2 in 0..<out[2] {
                        let lo = [i0, i1, i2].enumerated().map { $1 * strides[$0] - padding.before[$0] }
                        let ranges = (0..<3).map { max(lo[$0], 0)..<min(lo[$0] + pool[$0], s[$0 + 1]) }
                        let count = Float(ranges.map(\.count).reduce(1, *))
                        for a0 in ranges[0] {
                            for a1 in ranges[1] {
                                for a2 in ranges[2] {
                                    let src = (((n * s[1] + a0) * s[2] + a1) * s[3] + a2) * c
                                    for ch in 0..<c { y[o + ch] += input.scalars[src + ch] }
                                }
                            }
                        }
                        for ch in 0..<c { y[o + ch] /= count }
                        o += c
                    }
                }
            }
        }
        return Tensor(shape: [s[0]] + out + [c], scalars: y)
    }
}
