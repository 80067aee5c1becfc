// The CKernels input staging of the neural kernels on every kernel path: `sf_range_i32`,
// `sf_bytes_padded` and `sf_padded_i32` against their definitions, on grids that pad, crop (a padded grid narrower
// than the input) and use per-channel pad values.
import CKernels
import Tensors
import XCTest

final class ByteStagingTests: XCTestCase {
    func testRangeAndPaddedBytesOnEveryPath() {
        var state: UInt32 = 7
        func next() -> Int32 {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int32(truncatingIfNeeded: state >> 8) % 200 - 72
        }
        // (d0, d1, c, p0, p1, pad0, pad1)
        let geometries = [
            (5, 7, 3, 7, 9, 1, 1), (4, 6, 17, 4, 5, 0, 0), (3, 3, 40, 6, 6, 2, 1), (1, 1, 33, 1, 1, 0, 0),
        ]
        for (g, (d0, d1, c, p0, p1, pad0, pad1)) in geometries.enumerated() {
            let x = (0..<d0 * d1 * c).map { _ in next() }
            let pads: [Int32] = g % 2 == 0 ? (0..<c).map { _ in next() } : []
            let offset: Int32 = g == 1 ? 0 : 128
            var want = [UInt8](repeating: 0, count: p0 * p1 * c), wantInts = [Int32](repeating: 0, count: want.count)
            for r in 0..<p0 {
                for q in 0..<p1 {
                    for ch in 0..<c {
                        let ir = r - pad0, iq = q - pad1
                        let inside = ir >= 0 && ir < d0 && iq >= 0 && iq < d1
                        let v = inside ? x[(ir * d1 + iq) * c + ch] : pads.isEmpty ? 0 : pads[ch]
                        want[(r * p1 + q) * c + ch] = UInt8(truncatingIfNeeded: v &+ offset)
                        wantInts[(r * p1 + q) * c + ch] = v
                    }
                }
            }
            for path in KernelPath.supported {
                var got = [UInt8](repeating: 0xAA, count: want.count + 8)
                var ints = [Int32](repeating: -1, count: want.count)
                var lo: Int32 = 0, hi: Int32 = 0
                KernelPath.with(path) {
                    sf_range_i32(x, x.count, &lo, &hi)
                    pads.withUnsafeBufferPointer { p in
                        sf_bytes_padded(
                            x, Int32(d0), Int32(d1), Int32(c), Int32(p0), Int32(p1), Int32(pad0), Int32(pad1),
                            p.isEmpty ? nil : p.baseAddress, offset, &got)
                        sf_padded_i32(
                            x, Int32(d0), Int32(d1), Int32(c), Int32(p0), Int32(p1), Int32(pad0), Int32(pad1),
                            p.isEmpty ? nil : p.baseAddress, &ints)
                    }
                }
                XCTAssertEqual(lo, x.min(), "geometry \(g), \(path.rawValue)")
                XCTAssertEqual(hi, x.max(), "geometry \(g), \(path.rawValue)")
                XCTAssertEqual(Array(got[..<want.count]), want, "geometry \(g), \(path.rawValue)")
                XCTAssertEqual(ints, wantInts, "geometry \(g), \(path.rawValue)")
                XCTAssertEqual(Array(got[want.count...]), [UInt8](repeating: 0xAA, count: 8), "wrote past the grid")
            }
        }
    }
}
