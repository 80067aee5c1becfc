// Convolution kernels on NHWC float32 tensors: Conv2D (kernel HWIO), depthwise (kernel
// H×W×C×M), dense/1×1 products, and the padding geometry TensorFlow uses. Inner loops run
// over the contiguous output-channel axis so they vectorise; rows of the output are spread
// across cores.
import CKernels

/// Spatial padding of a 2-D window operation, in cells on each side.
public struct Padding2D: Equatable, Sendable, CustomStringConvertible {
    public var top: Int, bottom: Int, left: Int, right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }

    public static let zero = Padding2D(top: 0, bottom: 0, left: 0, right: 0)

    public var description: String { "(top \(top), bottom \(bottom), left \(left), right \(right))" }
}

/// Keras/TensorFlow padding modes.
public enum PaddingMode: String, Sendable, Codable {
    case valid, same
}

/// One spatial axis of a window operation, as TensorFlow computes it: `valid` keeps windows
/// inside the input; `same` gives `ceil(input / stride)` outputs and pads
/// `max((out-1)*stride + kernel - input, 0)` cells, the smaller half before.
public func windowGeometry(
    input: Int, kernel: Int, stride: Int, mode: PaddingMode
)
    -> (output: Int, padBefore: Int, padAfter: Int)
{
    switch mode {
    case .valid:
        let out = input >= kernel ? (input - kernel) / stride + 1 : 0
        return (out, 0, 0)
    case .same:
        let out = (input + stride - 1) / stride
        let total = max((out - 1) * stride + kernel - input, 0)
        return (out, total / 2, total - total / 2)
    }
}

/// Output size and padding of a 2-D window operation over an `height × width` input.
public func windowGeometry2D(
    height: Int, width: Int, kernel: (Int, Int), strides: (Int, Int), mode: PaddingMode
)
    -> (height: Int, width: Int, padding: Padding2D)
{
    let h = windowGeometry(input: height, kernel: kernel.0, stride: strides.0, mode: mode)
    let w = windowGeometry(input: width, kernel: kernel.1, stride: strides.1, mode: mode)
    return (h.output, w.output, Padding2D(top: h.padBefore, bottom: h.padAfter, left: w.padBefore, right: w.padAfter))
}

public enum Kernels {}

extension Kernels {
    static func outputSize(_ input: Int, _ padBefore: Int, _ padAfter: Int, _ kernel: Int, _ stride: Int) -> Int {
        let padded = input + padBefore + padAfter
        return padded >= kernel ? (padded - kernel) / stride + 1 : 0
    }

    static func checkWindow(
        _ what: String, input: [Int], kernel: (Int, Int), strides: (Int, Int),
        padding: Padding2D
    ) throws -> (Int, Int) {
        guard input.count == 4 else {
            throw TensorError.shapeMismatch("\(what) expects an NHWC input, got shape \(input)")
        }
        guard kernel.0 > 0, kernel.1 > 0, strides.0 > 0, strides.1 > 0,
            padding.top >= 0, padding.bottom >= 0, padding.left >= 0, padding.right >= 0
        else {
            throw TensorError.shapeMismatch(
                "\(what): kernel \(kernel), strides \(strides) and padding \(padding) must be positive")
        }
        let oh = outputSize(input[1], padding.top, padding.bottom, kernel.0, strides.0)
        let ow = outputSize(input[2], padding.left, padding.right, kernel.1, strides.1)
        guard oh > 0, ow > 0 else {
            throw TensorError.shapeMismatch(
                "\(what): a \(kernel.0)x\(kernel.1) window does not fit a \(input[1])x\(input[2]) input "
                    + "with padding \(padding)"
            )
        }
        return (oh, ow)
    }

    /// Refuses a kernel that is not (kh, kw, C, ·) for an NHWC input of C channels.
    static func checkKernel(_ what: String, _ input: Tensor<Float>, _ kernel: Tensor<Float>) throws {
        guard kernel.rank == 4, input.rank == 4, kernel.shape[2] == input.shape[3] else {
            throw TensorError.shapeMismatch("\(what): kernel \(kernel.shape) does not apply to input \(input.shape)")
        }
    }

    /// Refuses biases that are not one per output (`outputs`, named `noun` in the message).
    static func checkBias(_ what: String, _ bias: [Float]?, _ outputs: Int, _ noun: String) throws {
        guard (bias?.count ?? outputs) == outputs else {
            throw TensorError.shapeMismatch("\(what): \(bias?.count ?? 0) biases for \(outputs) \(noun)")
        }
    }

    /// 2-D convolution. `input` is NHWC, `kernel` is (kh, kw, in, out), `bias` has `out` values.
    public static func conv2D(
        _ input: Tensor<Float>, kernel: Tensor<Float>, bias: [Float]?,
        strides: (Int, Int), padding: Padding2D
    ) throws -> Tensor<Float> {
        try checkKernel("conv2D", input, kernel)
        let (n, h, w, ci) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (kh, kw, co) = (kernel.shape[0], kernel.shape[1], kernel.shape[3])
        try checkBias("conv2D", bias, co, "filters")
        let (oh, ow) = try checkWindow(
            "conv2D", input: input.shape, kernel: (kh, kw), strides: strides, padding: padding)
        if kh == 1, kw == 1, strides == (1, 1), padding == .zero {
            // A pointwise convolution is one matrix product over every pixel.
            let flat = try dense(input.reshaped([n * h * w, ci]), kernel: kernel.reshaped([ci, co]), bias: bias)
            return flat.reshaped([n, oh, ow, co])
        }
        let (sh, sw) = strides
        let depth = kh * kw * ci
        let biasValues = bias ?? [Float](repeating: 0, count: co)
        let scalars = input.scalars.withUnsafeBufferPointer { x in
            kernel.scalars.withUnsafeBufferPointer { k in
                biasValues.withUnsafeBufferPointer { bp in
                    makeFloats(n * oh * ow * co) { outBase in
                        let out = SharedBuffer(base: outBase)
                        guard let xp = x.baseAddress, let kp = k.baseAddress else {
                            fillRows(outBase, bias, rows: n * oh * ow, width: co)
                            return
                        }
                        Parallel.forEachRange(n * oh, work: n * oh * ow * depth * co) { rows in
                            // The patches of one output row, (ky, kx, ci)-ordered like the kernel's rows:
                            // the row is then one product with the kernel.
                            var patches = [Float](repeating: 0, count: ow * depth)
                            patches.withUnsafeMutableBufferPointer { pb in
                                guard let patch = pb.baseAddress else { return }
                                for row in rows {
                                    let b = row / oh, oy = row % oh
                                    for ox in 0..<ow {
                                        var dst = patch + ox * depth
                                        for ky in 0..<kh {
                                            let iy = oy * sh - padding.top + ky
                                            for kx in 0..<kw {
                                                let ix = ox * sw - padding.left + kx
                                                if iy < 0 || iy >= h || ix < 0 || ix >= w {
                                                    dst.update(repeating: 0, count: ci)
                                                } else {
                                                    dst.update(from: xp + ((b * h + iy) * w + ix) * ci, count: ci)
                                                }
                                                dst += ci
                                            }
                                        }
                                    }
                                    gemm(
                                        patch, lda: depth, kp, out.base + row * ow * co, rows: ow, k: depth, n: co,
                                        bias: bp.baseAddress)
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, oh, ow, co], scalars: scalars)
    }

    /// Depthwise 2-D convolution. `kernel` is (kh, kw, C, M); output channel `c*M + m` is
    /// channel `c` convolved with filter `m`. Summed as TensorFlow's float kernel does, so a float
    /// tail matches it bit for bit: taps in row-major order with fused multiply-adds from zero, the
    /// bias added last.
    public static func depthwiseConv2D(
        _ input: Tensor<Float>, kernel: Tensor<Float>, bias: [Float]?,
        strides: (Int, Int), padding: Padding2D
    ) throws -> Tensor<Float> {
        try checkKernel("depthwiseConv2D", input, kernel)
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (kh, kw, m) = (kernel.shape[0], kernel.shape[1], kernel.shape[3])
        let co = c * m
        try checkBias("depthwiseConv2D", bias, co, "output channels")
        let (oh, ow) = try checkWindow(
            "depthwiseConv2D", input: input.shape, kernel: (kh, kw), strides: strides,
            padding: padding)
        let (sh, sw) = strides
        let scalars = input.scalars.withUnsafeBufferPointer { x in
            kernel.scalars.withUnsafeBufferPointer { k in
                makeFloats(n * oh * ow * co) { outBase in
                    let out = SharedBuffer(base: outBase)
                    guard let xp = x.baseAddress, let kp = k.baseAddress else {
                        fillRows(outBase, bias, rows: n * oh * ow, width: co)
                        return
                    }
                    Parallel.forEachRange(n * oh, work: n * oh * ow * kh * kw * co) { rows in
                        if m == 1 {
                            for row in rows {
                                depthwiseRow(
                                    xp, kp, bias, out.base + row * ow * co, batch: row / oh, oy: row % oh,
                                    input: (h, w, c), kernel: (kh, kw), strides: strides, padding: padding, ow: ow)
                            }
                            return
                        }
                        for row in rows {
                            let b = row / oh, oy = row % oh
                            for ox in 0..<ow {
                                let o = out.base + ((row * ow) + ox) * co
                                o.update(repeating: 0, count: co)
                                for ky in 0..<kh {
                                    let iy = oy * sh - padding.top + ky
                                    if iy < 0 || iy >= h { continue }
                                    for kx in 0..<kw {
                                        let ix = ox * sw - padding.left + kx
                                        if ix < 0 || ix >= w { continue }
                                        let xin = xp + ((b * h + iy) * w + ix) * c
                                        let wk = kp + (ky * kw + kx) * co
                                        for ch in 0..<c {
                                            axpy(xin[ch], wk + ch * m, o + ch * m, m)
                                        }
                                    }
                                }
                                if let bias { for j in 0..<co { o[j] += bias[j] } }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, oh, ow, co], scalars: scalars)
    }

    /// One output row of a depthwise convolution with multiplier 1 (CKernels: eight channels at a
    /// time accumulate over the taps inside the input in registers).
    static func depthwiseRow(
        _ x: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ bias: [Float]?,
        _ o: UnsafeMutablePointer<Float>, batch b: Int, oy: Int, input: (Int, Int, Int),
        kernel: (Int, Int), strides: (Int, Int), padding: Padding2D, ow: Int
    ) {
        let (h, w, c) = input
        bias.withUnsafeBufferPointerOrNil { bp in
            sf_depthwise_row_f32(
                x + b * h * w * c, k, bp, o, Int32(h), Int32(w), Int32(c), Int32(kernel.0), Int32(kernel.1),
                Int32(oy * strides.0 - padding.top), Int32(strides.1), Int32(padding.left), Int32(ow))
        }
    }

    /// Matrix product over the last axis: `input` (..., I) × `kernel` (I, O) + `bias`.
    public static func dense(_ input: Tensor<Float>, kernel: Tensor<Float>, bias: [Float]?) throws -> Tensor<Float> {
        guard kernel.rank == 2, input.rank >= 1, input.shape[input.rank - 1] == kernel.shape[0] else {
            throw TensorError.shapeMismatch("dense: kernel \(kernel.shape) does not apply to input \(input.shape)")
        }
        let ni = kernel.shape[0], no = kernel.shape[1]
        try checkBias("dense", bias, no, "units")
        let rows = ni == 0 ? 0 : input.count / ni
        let biasValues = bias ?? [Float](repeating: 0, count: no)
        let scalars = input.scalars.withUnsafeBufferPointer { x in
            kernel.scalars.withUnsafeBufferPointer { k in
                biasValues.withUnsafeBufferPointer { bp in
                    makeFloats(rows * no) { outBase in
                        let out = SharedBuffer(base: outBase)
                        guard let xp = x.baseAddress, let kp = k.baseAddress else {
                            fillRows(outBase, bias, rows: rows, width: no)
                            return
                        }
                        Parallel.forEachRange((rows + 3) / 4, work: rows * ni * no) { blocks in
                            let r0 = blocks.lowerBound * 4, r1 = min(blocks.upperBound * 4, rows)
                            gemm(
                                xp + r0 * ni, lda: ni, kp, out.base + r0 * no, rows: r1 - r0, k: ni, n: no,
                                bias: bp.baseAddress)
                        }
                    }
                }
            }
        }
        var shape = input.shape
        shape[shape.count - 1] = no
        return Tensor(shape: shape, scalars: scalars)
    }

    /// Every row of an empty product: the bias alone.
    static func fillRows(_ o: UnsafeMutablePointer<Float>, _ bias: [Float]?, rows: Int, width: Int) {
        for r in 0..<rows { fillBias(o + r * width, bias, width) }
    }

    @inline(__always)
    static func fillBias(_ o: UnsafeMutablePointer<Float>, _ bias: [Float]?, _ count: Int) {
        if let bias {
            bias.withUnsafeBufferPointer { b in
                if let bp = b.baseAddress { o.update(from: bp, count: count) }
            }
        } else {
            o.update(repeating: 0, count: count)
        }
    }

    /// `y += a * x` over `count` contiguous elements.
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        for j in 0..<count { y[j].addProduct(a, x[j]) }
    }
}

extension Optional where Wrapped == [Float] {
    /// The array's base address, or nil for a nil or empty array.
    @inline(__always)
    func withUnsafeBufferPointerOrNil<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let array = self else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
