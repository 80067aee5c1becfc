// Transposed 2-D convolution (TensorFlow's conv2d_transpose, the gradient of a convolution) and
// its depthwise form: the output geometry Keras gives them and scatter kernels generic over the
// accumulator, shared by the float engine (Float) and the integer layers (Double over payloads).

/// One spatial axis of a transposed convolution, as Keras' `deconv_output_length` and
/// TensorFlow's conv2d_transpose define it: `valid` gives `(input-1)*stride + kernel` outputs
/// (at least `input*stride`), `same` gives `input*stride`; output `i*stride + k - padBefore`
/// receives input `i` times kernel tap `k`.
public struct TransposedAxis: Equatable, Sendable {
    public let input: Int, kernel: Int, stride: Int
    public let output: Int, padBefore: Int

    public init(input: Int, kernel: Int, stride: Int, mode: PaddingMode) {
        self.input = input
        self.kernel = kernel
        self.stride = max(stride, 1)
        switch mode {
        case .same: output = input * self.stride
        case .valid: output = input * self.stride + max(kernel - self.stride, 0)
        }
        padBefore = max((input - 1) * self.stride + kernel - output, 0) / 2
    }
}

/// Visits every (input pixel, kernel tap) pair of a transposed convolution whose output pixel lies
/// inside the output, in the order both scatter kernels accumulate: batch, input row, kernel row,
/// input column, kernel column. `body` gets the flat input pixel, output pixel and tap indices.
@inline(__always)
func forEachTransposedTap(n: Int, rows: TransposedAxis, cols: TransposedAxis, _ body: (Int, Int, Int) -> Void) {
    let (h, w, oh, ow) = (rows.input, cols.input, rows.output, cols.output)
    for b in 0..<n {
        for iy in 0..<h {
            for ky in 0..<rows.kernel {
                let oy = iy * rows.stride + ky - rows.padBefore
                guard oy >= 0, oy < oh else { continue }
                for ix in 0..<w {
                    for kx in 0..<cols.kernel {
                        let ox = ix * cols.stride + kx - cols.padBefore
                        guard ox >= 0, ox < ow else { continue }
                        body((b * h + iy) * w + ix, (b * oh + oy) * ow + ox, ky * cols.kernel + kx)
                    }
                }
            }
        }
    }
}

/// Transposed convolution of x (N, H, W, C) with a Keras kernel (kh, kw, F, C) → (N, OH, OW, F).
public func conv2DTransposeScatter<T: FloatingPoint>(
    _ x: [T], n: Int, c: Int, kernel: [T], filters f: Int, rows: TransposedAxis, cols: TransposedAxis
) -> [T] {
    var out = [T](repeating: 0, count: n * rows.output * cols.output * f)
    forEachTransposedTap(n: n, rows: rows, cols: cols) { pixel, outPixel, tap in
        let (xbase, obase, kbase) = (pixel * c, outPixel * f, tap * f * c)
        for fi in 0..<f {
            var sum: T = 0
            for ci in 0..<c { sum += x[xbase + ci] * kernel[kbase + fi * c + ci] }
            out[obase + fi] += sum
        }
    }
    return out
}

/// Depthwise transposed convolution of x (N, H, W, C) with a kernel (kh, kw, C, 1) → (N, OH, OW, C).
public func depthwiseConv2DTransposeScatter<T: FloatingPoint>(
    _ x: [T], n: Int, c: Int, kernel: [T], rows: TransposedAxis, cols: TransposedAxis
) -> [T] {
    var out = [T](repeating: 0, count: n * rows.output * cols.output * c)
    forEachTransposedTap(n: n, rows: rows, cols: cols) { pixel, outPixel, tap in
        let (xbase, obase, kbase) = (pixel * c, outPixel * c, tap * c)
        for ci in 0..<c { out[obase + ci] += x[xbase + ci] * kernel[kbase + ci] }
    }
    return out
}

extension Kernels {
    /// Keras Conv2DTranspose: `input` NHWC, `kernel` (kh, kw, filters, in), `bias` per filter.
    public static func conv2DTranspose(
        _ input: Tensor<Float>, kernel: Tensor<Float>, bias: [Float]?, strides: (Int, Int), padding: PaddingMode
    ) throws -> Tensor<Float> {
        guard input.shape.count == 4, kernel.shape.count == 4, kernel.shape[3] == input.shape[3] else {
            throw TensorError.shapeMismatch(
                "conv2DTranspose: input \(input.shape) does not fit kernel \(kernel.shape) (kh, kw, out, in)")
        }
        let f = kernel.shape[2]
        try checkBias("conv2DTranspose", bias, f, "filters")
        let rows = TransposedAxis(input: input.shape[1], kernel: kernel.shape[0], stride: strides.0, mode: padding)
        let cols = TransposedAxis(input: input.shape[2], kernel: kernel.shape[1], stride: strides.1, mode: padding)
        var out = conv2DTransposeScatter(
            input.scalars, n: input.shape[0], c: input.shape[3], kernel: kernel.scalars, filters: f, rows: rows,
            cols: cols)
        if let bias {
            for i in out.indices { out[i] += bias[i % f] }
        }
        return Tensor(shape: [input.shape[0], rows.output, cols.output, f], scalars: out)
    }

    /// quantizeml's DepthwiseConv2DTranspose: `kernel` (kh, kw, C, 1), `bias` per channel.
    public static func depthwiseConv2DTranspose(
        _ input: Tensor<Float>, kernel: Tensor<Float>, bias: [Float]?, strides: (Int, Int), padding: PaddingMode
    ) throws -> Tensor<Float> {
        guard input.shape.count == 4, kernel.shape.count == 4, kernel.shape[2] == input.shape[3], kernel.shape[3] == 1
        else {
            throw TensorError.shapeMismatch(
                "depthwiseConv2DTranspose: input \(input.shape) does not fit kernel \(kernel.shape) (kh, kw, C, 1)")
        }
        let c = input.shape[3]
        try checkBias("depthwiseConv2DTranspose", bias, c, "channels")
        let rows = TransposedAxis(input: input.shape[1], kernel: kernel.shape[0], stride: strides.0, mode: padding)
        let cols = TransposedAxis(input: input.shape[2], kernel: kernel.shape[1], stride: strides.1, mode: padding)
        var out = depthwiseConv2DTransposeScatter(
            input.scalars, n: input.shape[0], c: c, kernel: kernel.scalars, rows: rows, cols: cols)
        if let bias {
            for i in out.indices { out[i] += bias[i % c] }
        }
        return Tensor(shape: [input.shape[0], rows.output, cols.output, c], scalars: out)
    }
}
