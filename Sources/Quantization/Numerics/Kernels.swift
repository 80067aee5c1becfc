// NHWC kernels shared by the quantized layers: convolution, depthwise
// convolution, dense, max pooling and spatial sums. Inputs are Float32 payloads; products are
// accumulated in `Acc`: Float when the layer proves every partial sum stays below 2^24 (exact,
// twice the SIMD width), Double otherwise (exact for integer payloads up to 2^53, where the
// reference's own float32 accumulation is order-dependent anyway).

/// Accumulator scalar with the two vectorizable inner loops of the kernels.
protocol Accumulator: BinaryFloatingPoint {
    /// y[i] += a · x[i]
    static func axpy(_ y: UnsafeMutablePointer<Self>, _ x: UnsafePointer<Self>, _ a: Self, _ n: Int)
    /// y[i] += x[i] · k[i]
    static func multiplyAdd(
        _ y: UnsafeMutablePointer<Self>, _ x: UnsafePointer<Float>, _ k: UnsafePointer<Self>, _ n: Int)
}

extension Float: Accumulator {
    @inline(__always) static func axpy(
        _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ a: Float, _ n: Int
    ) {
        var i = 0
        while i < n { y[i] += a * x[i]; i &+= 1 }
    }
    @inline(__always) static func multiplyAdd(
        _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ n: Int
    ) {
        var i = 0
        while i < n { y[i] += x[i] * k[i]; i &+= 1 }
    }
}

extension Double: Accumulator {
    @inline(__always) static func axpy(
        _ y: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ a: Double, _ n: Int
    ) {
        var i = 0
        while i < n { y[i] += a * x[i]; i &+= 1 }
    }
    @inline(__always) static func multiplyAdd(
        _ y: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Float>, _ k: UnsafePointer<Double>, _ n: Int
    ) {
        var i = 0
        while i < n { y[i] += Double(x[i]) * k[i]; i &+= 1 }
    }
}

/// Spatial geometry of a window operation along one axis.
struct WindowAxis {
    var input: Int
    var kernel: Int
    var stride: Int
    var dilation: Int
    var padBefore: Int
    var output: Int

    /// TensorFlow SAME / VALID padding.
    init(input: Int, kernel: Int, stride: Int, dilation: Int = 1, same: Bool) {
        self.input = input
        self.kernel = kernel
        self.stride = max(stride, 1)
        self.dilation = max(dilation, 1)
        let effective = (kernel - 1) * self.dilation + 1
        if same {
            output = (input + self.stride - 1) / self.stride
            let total = max((output - 1) * self.stride + effective - input, 0)
            padBefore = total / 2
        } else {
            output = input >= effective ? (input - effective) / self.stride + 1 : 0
            padBefore = 0
        }
    }

    /// QuantizeML's explicit SAME padding (padding value layers): dilation is ignored in the
    /// pad amounts, the convolution itself then runs VALID on the padded input.
    init(explicitSameInput input: Int, kernel: Int, stride: Int, dilation: Int = 1) {
        let s = max(stride, 1)
        let total = input % s == 0 ? max(kernel - s, 0) : max(kernel - input % s, 0)
        let padded = input + total
        let effective = (kernel - 1) * max(dilation, 1) + 1
        self.input = input
        self.kernel = kernel
        self.stride = s
        self.dilation = max(dilation, 1)
        padBefore = total / 2
        output = padded >= effective ? (padded - effective) / s + 1 : 0
    }

    @inline(__always) func source(_ out: Int, _ k: Int) -> Int { out * stride - padBefore + k * dilation }
}

/// Convolution of x (N, H, W, C) with kernel (kh, kw, C, F). Positions outside the input read
/// `padValue[c]` when given (explicit padding), otherwise they are skipped (zero padding).
func conv2d<Acc: Accumulator>(
    _ x: [Float], n: Int, h: Int, w: Int, c: Int, kernel: [Acc], filters f: Int,
    rows: WindowAxis, cols: WindowAxis, padValue: [Float]? = nil
) -> [Acc] {
    let oh = rows.output, ow = cols.output
    var out = [Acc](repeating: 0, count: n * oh * ow * f)
    let pad = padValue.map { p in (0..<c).map { Acc(p.count == 1 ? p[0] : p[$0]) } }
    x.withUnsafeBufferPointer { xb in
        kernel.withUnsafeBufferPointer { kb in
            out.withUnsafeMutableBufferPointer { ob in
                for b in 0..<n {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let o = ((b * oh + oy) * ow + ox) * f
                            for ky in 0..<rows.kernel {
                                let iy = rows.source(oy, ky)
                                let rowInside = iy >= 0 && iy < h
                                for kx in 0..<cols.kernel {
                                    let ix = cols.source(ox, kx)
                                    let inside = rowInside && ix >= 0 && ix < w
                                    if !inside && pad == nil { continue }
                                    let kbase = (ky * cols.kernel + kx) * c * f
                                    let xbase = inside ? ((b * h + iy) * w + ix) * c : 0
                                    for ci in 0..<c {
                                        let v = inside ? Acc(xb[xbase + ci]) : pad![ci]
                                        if v == 0 { continue }
                                        Acc.axpy(ob.baseAddress! + o, kb.baseAddress! + kbase + ci * f, v, f)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return out
}

/// Visits every tap of every output window of an (N, H, W, ·) input that falls inside the
/// input: `visit(output pixel, input pixel, tap)`, pixels counted row-major over (N, H, W) and
/// taps over (kh, kw).
@inline(__always) func forEachInsideTap(
    n: Int, h: Int, w: Int, rows: WindowAxis, cols: WindowAxis,
    _ visit: (_ output: Int, _ input: Int, _ tap: Int) -> Void
) {
    let oh = rows.output, ow = cols.output
    for b in 0..<n {
        for oy in 0..<oh {
            for ox in 0..<ow {
                let o = (b * oh + oy) * ow + ox
                for ky in 0..<rows.kernel {
                    let iy = rows.source(oy, ky)
                    guard iy >= 0 && iy < h else { continue }
                    for kx in 0..<cols.kernel {
                        let ix = cols.source(ox, kx)
                        guard ix >= 0 && ix < w else { continue }
                        visit(o, (b * h + iy) * w + ix, ky * cols.kernel + kx)
                    }
                }
            }
        }
    }
}

/// Depthwise convolution (multiplier 1) of x (N, H, W, C) with kernel (kh, kw, C, 1).
func depthwiseConv2d<Acc: Accumulator>(
    _ x: [Float], n: Int, h: Int, w: Int, c: Int, kernel: [Acc],
    rows: WindowAxis, cols: WindowAxis
) -> [Acc] {
    var out = [Acc](repeating: 0, count: n * rows.output * cols.output * c)
    x.withUnsafeBufferPointer { xb in
        kernel.withUnsafeBufferPointer { kb in
            out.withUnsafeMutableBufferPointer { ob in
                forEachInsideTap(n: n, h: h, w: w, rows: rows, cols: cols) { o, i, tap in
                    Acc.multiplyAdd(ob.baseAddress! + o * c, xb.baseAddress! + i * c, kb.baseAddress! + tap * c, c)
                }
            }
        }
    }
    return out
}

/// x (rows, k) · kernel (k, units).
func matmul<Acc: Accumulator>(_ x: [Float], rows: Int, k: Int, kernel: [Acc], units: Int) -> [Acc] {
    var out = [Acc](repeating: 0, count: rows * units)
    x.withUnsafeBufferPointer { xb in
        kernel.withUnsafeBufferPointer { kb in
            out.withUnsafeMutableBufferPointer { ob in
                for r in 0..<rows {
                    for i in 0..<k {
                        let v = Acc(xb[r * k + i])
                        if v == 0 { continue }
                        Acc.axpy(ob.baseAddress! + r * units, kb.baseAddress! + i * units, v, units)
                    }
                }
            }
        }
    }
    return out
}

/// Max pooling; positions outside the input never win (TensorFlow semantics).
func maxPool2d(_ x: [Float], n: Int, h: Int, w: Int, c: Int, rows: WindowAxis, cols: WindowAxis) -> [Float] {
    var out = [Float](repeating: -.infinity, count: n * rows.output * cols.output * c)
    forEachInsideTap(n: n, h: h, w: w, rows: rows, cols: cols) { o, i, _ in
        for ch in 0..<c { out[o * c + ch] = max(out[o * c + ch], x[i * c + ch]) }
    }
    return out
}

/// Sum over H and W of x (N, H, W, C) → (N, C).
func spatialSum(_ x: [Float], n: Int, h: Int, w: Int, c: Int) -> [Double] {
    var out = [Double](repeating: 0, count: n * c)
    for b in 0..<n {
        for p in 0..<(h * w) {
            let base = (b * h * w + p) * c
            for ch in 0..<c { out[b * c + ch] += Double(x[base + ch]) }
        }
    }
    return out
}

/// Largest magnitude of a payload.
func maxMagnitude(_ x: [Float]) -> Float {
    var m: Float = 0
    for v in x { m = max(m, abs(v)) }
    return m
}
