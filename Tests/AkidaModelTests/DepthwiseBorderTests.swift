// `sf_depthwise_i32` on every kernel path against its definition: taps outside the unpadded input read the
// per-channel pad values (or zero), with strides, asymmetric padding, channel counts across the 64-channel
// chunk and wrapping 32-bit sums.
import CKernels
import Tensors
import XCTest

final class DepthwiseBorderTests: XCTestCase {
    func testDepthwiseBordersOnEveryPath() {
        var state: UInt32 = 11
        func next(_ span: Int32) -> Int32 {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int32(truncatingIfNeeded: state >> 8) % span - span / 2
        }
        // (d0, d1, c, k0, k1, s0, s1, pad0, pad1, out0, out1)
        let geometries = [
            (5, 7, 3, 3, 3, 1, 1, 1, 1, 5, 7), (6, 6, 70, 3, 3, 2, 2, 0, 0, 3, 3), (4, 5, 17, 5, 3, 2, 1, 2, 1, 2, 5),
            (1, 1, 65, 3, 3, 1, 1, 1, 1, 1, 1), (3, 8, 8, 3, 3, 1, 2, 1, 0, 3, 4),
        ]
        for (g, (d0, d1, c, k0, k1, s0, s1, pad0, pad1, out0, out1)) in geometries.enumerated() {
            let x = (0..<d0 * d1 * c).map { _ in next(g == 3 ? 1 << 20 : 256) }
            let w = (0..<k0 * k1 * c).map { _ in next(g == 3 ? 1 << 14 : 128) }
            for pads in [[Int32](), (0..<c).map { _ in next(100) }] {
                var want = [Int64](repeating: 0, count: out0 * out1 * c)
                for o0 in 0..<out0 {
                    for o1 in 0..<out1 {
                        for ch in 0..<c {
                            var sum: Int32 = 0
                            for i in 0..<k0 {
                                for j in 0..<k1 {
                                    let r = o0 * s0 + i - pad0, q = o1 * s1 + j - pad1
                                    let inside = r >= 0 && r < d0 && q >= 0 && q < d1
                                    let v = inside ? x[(r * d1 + q) * c + ch] : pads.isEmpty ? 0 : pads[ch]
                                    sum = sum &+ v &* w[(i * k1 + j) * c + ch]
                                }
                            }
                            want[(o0 * out1 + o1) * c + ch] = Int64(sum)
                        }
                    }
                }
                for path in KernelPath.supported {
                    var got = [Int64](repeating: -7, count: want.count)
                    KernelPath.with(path) {
                        pads.withUnsafeBufferPointer { p in
                            // Two row ranges, as the tiles run them.
                            for (first, last) in [(0, out0 / 2), (out0 / 2, out0)] {
                                sf_depthwise_i32(
                                    x, Int32(d0), Int32(d1), Int32(pad0), Int32(pad1), p.isEmpty ? nil : p.baseAddress,
                                    w, &got, Int32(first), Int32(last), Int32(out1), Int32(k0), Int32(k1), Int32(s0),
                                    Int32(s1), Int32(c))
                            }
                        }
                    }
                    XCTAssertEqual(got, want, "geometry \(g), pads \(!pads.isEmpty), \(path.rawValue)")
                }
            }
        }
    }
}
