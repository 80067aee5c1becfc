// NHWC kernels shared by the quantized layers and the float tail: convolution, depthwise
// convolution, dense, max pooling and spatial sums. Inputs are Float32 payloads; products are
// accumulated in Double, which is exact for the integer payloads of quantized layers (the
// reference's float32 accumulation is exact below 2^24 and ill-defined above).

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
func conv2d(_ x: [Float], n: Int, h: Int, w: Int, c: Int, kernel: [Double], filters f: Int,
            rows: WindowAxis, cols: WindowAxis, padValue: [Float]? = nil) -> [Double] {
    let oh = rows.output, ow = cols.output
    var out = [Double](repeating: 0, count: n * oh * ow * f)
    let pad = padValue.map { p in (0..<c).map { Double(p.count == 1 ? p[0] : p[$0]) } }
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
                                        let v = inside ? Double(xb[xbase + ci]) : pad![ci]
                                        if v == 0 { continue }
                                        let kr = kbase + ci * f
                                        for co in 0..<f { ob[o + co] += v * kb[kr + co] }
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

/// Depthwise convolution (multiplier 1) of x (N, H, W, C) with kernel (kh, kw, C, 1).
func depthwiseConv2d(_ x: [Float], n: Int, h: Int, w: Int, c: Int, kernel: [Double],
                     rows: WindowAxis, cols: WindowAxis) -> [Double] {
    let oh = rows.output, ow = cols.output
    var out = [Double](repeating: 0, count: n * oh * ow * c)
    x.withUnsafeBufferPointer { xb in
        kernel.withUnsafeBufferPointer { kb in
            out.withUnsafeMutableBufferPointer { ob in
                for b in 0..<n {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let o = ((b * oh + oy) * ow + ox) * c
                            for ky in 0..<rows.kernel {
                                let iy = rows.source(oy, ky)
                                guard iy >= 0 && iy < h else { continue }
                                for kx in 0..<cols.kernel {
                                    let ix = cols.source(ox, kx)
                                    guard ix >= 0 && ix < w else { continue }
                                    let xbase = ((b * h + iy) * w + ix) * c
                                    let kbase = (ky * cols.kernel + kx) * c
                                    for ch in 0..<c { ob[o + ch] += Double(xb[xbase + ch]) * kb[kbase + ch] }
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

/// x (rows, k) · kernel (k, units).
func matmul(_ x: [Float], rows: Int, k: Int, kernel: [Double], units: Int) -> [Double] {
    var out = [Double](repeating: 0, count: rows * units)
    x.withUnsafeBufferPointer { xb in
        kernel.withUnsafeBufferPointer { kb in
            out.withUnsafeMutableBufferPointer { ob in
                for r in 0..<rows {
                    for i in 0..<k {
                        let v = Double(xb[r * k + i])
                        if v == 0 { continue }
                        let kr = i * units
                        for u in 0..<units { ob[r * units + u] += v * kb[kr + u] }
                    }
                }
            }
        }
    }
    return out
}

/// Max pooling; positions outside the input never win (TensorFlow semantics).
func maxPool2d(_ x: [Float], n: Int, h: Int, w: Int, c: Int, rows: WindowAxis, cols: WindowAxis) -> [Float] {
    let oh = rows.output, ow = cols.output
    var out = [Float](repeating: -.infinity, count: n * oh * ow * c)
    for b in 0..<n {
        for oy in 0..<oh {
            for ox in 0..<ow {
                let o = ((b * oh + oy) * ow + ox) * c
                for ky in 0..<rows.kernel {
                    let iy = rows.source(oy, ky)
                    guard iy >= 0 && iy < h else { continue }
                    for kx in 0..<cols.kernel {
                        let ix = cols.source(ox, kx)
                        guard ix >= 0 && ix < w else { continue }
                        let xbase = ((b * h + iy) * w + ix) * c
                        for ch in 0..<c { out[o + ch] = max(out[o + ch], x[xbase + ch]) }
                    }
                }
            }
        }
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
