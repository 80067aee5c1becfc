// Pooling, padding and joining kernels on NHWC float32 tensors, with TensorFlow's edge rules:
// max pooling ignores padded cells, average pooling divides by the number of real cells.
import Foundation

extension Kernels {
    public enum PoolKind: Sendable { case max, average }

    /// 2-D max or average pooling; padded cells never contribute.
    public static func pool2D(
        _ input: Tensor<Float>, kind: PoolKind, pool: (Int, Int), strides: (Int, Int),
        padding: Padding2D
    ) throws -> Tensor<Float> {
        let (oh, ow) = try checkWindow("pool2D", input: input.shape, kernel: pool, strides: strides, padding: padding)
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (sh, sw) = strides
        let scalars = input.scalars.withUnsafeBufferPointer { x in
            makeFloats(n * oh * ow * c) { outBase in
                guard let xp = x.baseAddress else { return }
                let out = SharedBuffer(base: outBase)
                Parallel.forEachRange(n * oh, work: n * oh * ow * pool.0 * pool.1 * c) { rows in
                    for row in rows {
                        let b = row / oh, oy = row % oh
                        let y0 = max(oy * sh - padding.top, 0), y1 = min(oy * sh - padding.top + pool.0, h)
                        for ox in 0..<ow {
                            let x0 = max(ox * sw - padding.left, 0), x1 = min(ox * sw - padding.left + pool.1, w)
                            let o = out.base + (row * ow + ox) * c
                            o.update(repeating: kind == .max ? -.infinity : 0, count: c)
                            for iy in y0..<y1 {
                                for ix in x0..<x1 {
                                    let xin = xp + ((b * h + iy) * w + ix) * c
                                    if kind == .max {
                                        for j in 0..<c { o[j] = Swift.max(o[j], xin[j]) }
                                    } else {
                                        for j in 0..<c { o[j] += xin[j] }
                                    }
                                }
                            }
                            if kind == .average {
                                let cells = Float((y1 - y0) * (x1 - x0))
                                for j in 0..<c { o[j] /= cells }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, oh, ow, c], scalars: scalars)
    }

    /// Mean or maximum over the two spatial axes: (N, H, W, C) → (N, C).
    public static func globalPool2D(_ input: Tensor<Float>, kind: PoolKind) throws -> Tensor<Float> {
        guard input.rank == 4, input.shape[1] > 0, input.shape[2] > 0 else {
            throw TensorError.shapeMismatch("global pooling expects a non-empty NHWC input, got shape \(input.shape)")
        }
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let cells = h * w
        var out = [Float](repeating: kind == .max ? -.infinity : 0, count: n * c)
        input.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                guard let xp = x.baseAddress, let op = o.baseAddress else { return }
                for b in 0..<n {
                    let orow = op + b * c
                    for p in 0..<cells {
                        let xin = xp + (b * cells + p) * c
                        if kind == .max {
                            for j in 0..<c { orow[j] = Swift.max(orow[j], xin[j]) }
                        } else {
                            for j in 0..<c { orow[j] += xin[j] }
                        }
                    }
                    if kind == .average {
                        let count = Float(cells)
                        for j in 0..<c { orow[j] /= count }
                    }
                }
            }
        }
        return Tensor(shape: [n, c], scalars: out)
    }

    /// Pads the spatial axes of an NHWC tensor with `value`.
    public static func pad2D(_ input: Tensor<Float>, padding: Padding2D, value: Float = 0) throws -> Tensor<Float> {
        try pad2D(input, padding: padding, values: [value])
    }

    /// Pads with one value, or one value per channel.
    public static func pad2D(_ input: Tensor<Float>, padding: Padding2D, values: [Float]) throws -> Tensor<Float> {
        guard input.rank == 4, padding.top >= 0, padding.bottom >= 0, padding.left >= 0, padding.right >= 0,
            values.count == 1 || values.count == input.shape[3]
        else {
            throw TensorError.shapeMismatch(
                "pad2D expects an NHWC input, non-negative padding and one value or one per channel, got "
                    + "\(input.shape), \(padding), \(values.count) values"
            )
        }
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let ph = h + padding.top + padding.bottom, pw = w + padding.left + padding.right
        var out = [Float](repeating: values[0], count: n * ph * pw * c)
        if values.count > 1 {
            for i in out.indices { out[i] = values[i % c] }
        }
        input.scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                guard let xp = x.baseAddress, let op = o.baseAddress else { return }
                for b in 0..<n {
                    for y in 0..<h {
                        let src = xp + (b * h + y) * w * c
                        let dst = op + ((b * ph + y + padding.top) * pw + padding.left) * c
                        dst.update(from: src, count: w * c)
                    }
                }
            }
        }
        return Tensor(shape: [n, ph, pw, c], scalars: out)
    }

    /// Joins tensors along `axis`; every other dimension must agree.
    public static func concatenate(_ inputs: [Tensor<Float>], axis: Int) throws -> Tensor<Float> {
        guard let first = inputs.first, axis >= 0, axis < first.rank else {
            throw TensorError.shapeMismatch("concatenate: no inputs or axis \(axis) out of range")
        }
        for t in inputs
        where t.rank != first.rank
            || zip(t.shape, first.shape).enumerated().contains(where: {
                $0.offset != axis && $0.element.0 != $0.element.1
            })
        {
            throw TensorError.shapeMismatch(
                "concatenate on axis \(axis): shapes \(inputs.map(\.shape)) differ off that axis")
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        let total = inputs.reduce(0) { $0 + $1.shape[axis] }
        var scalars: [Float] = []
        scalars.reserveCapacity(outer * total * inner)
        for o in 0..<outer {
            for t in inputs {
                let span = t.shape[axis] * inner
                scalars.append(contentsOf: t.scalars[(o * span)..<((o + 1) * span)])
            }
        }
        var shape = first.shape
        shape[axis] = total
        return Tensor(shape: shape, scalars: scalars)
    }

    /// Element-wise sum of same-shaped tensors.
    public static func add(_ inputs: [Tensor<Float>]) throws -> Tensor<Float> {
        guard let first = inputs.first else { throw TensorError.shapeMismatch("add: no inputs") }
        guard inputs.allSatisfy({ $0.shape == first.shape }) else {
            throw TensorError.shapeMismatch("add: shapes \(inputs.map(\.shape)) differ")
        }
        var out = first.scalars
        out.withUnsafeMutableBufferPointer { o in
            for t in inputs.dropFirst() {
                t.scalars.withUnsafeBufferPointer { x in
                    for i in 0..<o.count { o[i] += x[i] }
                }
            }
        }
        return Tensor(shape: first.shape, scalars: out)
    }

    /// Softmax along `axis`: `exp(x - max) / sum`.
    public static func softmax(_ input: Tensor<Float>, axis: Int) throws -> Tensor<Float> {
        guard axis >= 0, axis < input.rank else {
            throw TensorError.shapeMismatch("softmax: axis \(axis) out of range for shape \(input.shape)")
        }
        let len = input.shape[axis]
        let inner = input.shape[(axis + 1)...].reduce(1, *)
        let outer = input.shape[..<axis].reduce(1, *)
        var out = input.scalars
        out.withUnsafeMutableBufferPointer { o in
            for a in 0..<outer {
                for i in 0..<inner {
                    let base = a * len * inner + i
                    var m = -Float.infinity
                    for k in 0..<len { m = max(m, o[base + k * inner]) }
                    var sum: Float = 0
                    for k in 0..<len {
                        let e = expf(o[base + k * inner] - m)
                        o[base + k * inner] = e
                        sum += e
                    }
                    for k in 0..<len { o[base + k * inner] /= sum }
                }
            }
        }
        return Tensor(shape: input.shape, scalars: out)
    }
}
