// The per-channel elementwise steps of the quantized layers (saturation, bias, scale, rescale,
// ReLU clip) as one vectorised in-place pass (CKernelsQuantized), each step the float32 operation
// the reference performs, so every kernel path gives the same bits.
import CKernelsQuantized

/// In place over `x` (rows of `channels` values): `v · mul`, `+ add`, `floor(v + 0.5)` when
/// `roundHalfUp`, then Swift's `min(max(v, lo), hi)`. Each parameter holds one value per channel
/// or a single one for all.
func affine(
    _ x: inout [Float], channels: Int, mul: [Float]? = nil, add: [Float]? = nil, roundHalfUp: Bool = false,
    lo: [Float], hi: [Float]
) {
    let params = [mul, add, lo, hi].compactMap { $0 }
    let uniform = params.allSatisfy { $0.count == 1 }
    let c = uniform ? 1 : max(channels, 1)
    precondition(x.count % c == 0 && params.allSatisfy { $0.count == 1 || $0.count == c })
    func expand(_ p: [Float]) -> [Float] { p.count == c ? p : [Float](repeating: p[0], count: c) }
    let m = mul.map(expand), a = add.map(expand), l = expand(lo), h = expand(hi)
    x.withUnsafeMutableBufferPointer { xb in
        guard let base = xb.baseAddress else { return }
        m.withOptionalPointer { mp in
            a.withOptionalPointer { ap in
                sf_q_affine_f32(base, xb.count / c, Int32(c), mp, ap, roundHalfUp ? 1 : 0, l, h)
            }
        }
    }
}

extension Optional where Wrapped == [Float] {
    /// `body` with the array's storage, or nil when there is none.
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let array = self else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
