// Gemm: the matrix product every float convolution and dense layer reduces to, in CKernels
// (a 4-row × 8-column register tile on AVX2 + FMA, fmaf loops on the portable path).
import CKernels

extension Kernels {
    /// `c[r, j] = bias[j] + Σ_i a[r, i] · b[i, j]` for `rows × n` results, summed as TensorFlow's
    /// CPU convolution does (bit-exact calibration depends on it): fused multiply-adds in order
    /// of `i` from zero, the bias added last. `a` has row
    /// stride `lda`, `b` is `k × n` contiguous, `c` is `rows × n` contiguous.
    static func gemm(
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, k: Int, n: Int, bias: UnsafePointer<Float>?
    ) {
        sf_gemm_f32(a, lda, b, c, Int32(rows), Int32(k), Int32(n), bias)
    }
}
