// The CKernels Akida 2.0 output stage (`sf_output_v2_rows`) against the arithmetic restated here,
// on every kernel path, over random sums, per-channel variables and saturation widths, including
// channel counts that leave vector remainders and right shifts of 0 and beyond 63 (masked). Half
// the trials give the sums' bound, which lets the kernels take their 32-bit stage.
import CKernels
import Tensors
import XCTest

final class OutputStageTests: XCTestCase {
    private struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
        mutating func int(_ r: ClosedRange<Int64>) -> Int64 {
            r.lowerBound &+ Int64(bitPattern: next() % UInt64(r.upperBound - r.lowerBound + 1))
        }
    }

    private static func signed(_ bits: Int) -> (Int64, Int64) {
        bits >= 64 ? (.min, .max) : (-(Int64(1) << (bits - 1)), (Int64(1) << (bits - 1)) - 1)
    }

    /// The simulator's definition: buffer saturation (bias before or after it), ReLU clip, scale,
    /// post-op saturation, right shift rounding half up, output saturation; branch-free clamps.
    private static func expected(
        _ v0: Int64, bias: Int64, clip: Int64, scale: Int64, shift: Int64, biasFirst: Bool, relu: Bool,
        buffer: (Int64, Int64), post: (Int64, Int64), out: (Int64, Int64)
    ) -> Int32 {
        func maxBF(_ v: Int64, _ lo: Int64) -> Int64 { let d = v &- lo; return lo &+ (d & ~(d >> 63)) }
        func minBF(_ v: Int64, _ hi: Int64) -> Int64 { let d = v &- hi; return hi &+ (d & (d >> 63)) }
        func clamp(_ v: Int64, _ b: (Int64, Int64)) -> Int64 { minBF(maxBF(v, b.0), b.1) }
        var v = biasFirst ? clamp(v0 &+ bias, buffer) : clamp(v0, buffer) &+ bias
        if relu { v = minBF(maxBF(v, 0), clip) }
        let s = 0 &- shift
        let prod = clamp(v &* scale, post)
        return Int32(truncatingIfNeeded: clamp((prod &+ ((1 &<< s) &>> 1)) &>> s, out))
    }

    func testEveryPathMatchesTheDefinition() {
        var g = Generator(state: 12)
        var inRange = 0, total = 0
        for trial in 0..<48 {
            let channels = [1, 3, 8, 13, 16, 33, 64][trial % 7], rows = 1 + trial % 5
            let biasFirst = trial % 2 == 0, relu = trial % 3 != 0
            let buffer = Self.signed([20, 28, 32, 16][trial % 4]), post = Self.signed([32, 48, 64][trial % 3])
            let outBits = [4, 8, 16, 32][(trial / 4) % 4]
            let out = outBits <= 4 ? (Int64(0), (Int64(1) << outBits) - 1) : Self.signed(outBits)
            let bias = (0..<channels).map { _ in g.int(-(1 << 20)...(1 << 20)) }
            let clip = (0..<channels).map { _ in g.int(0...(1 << 22)) }
            let scale = (0..<channels).map { _ in g.int(-128...127) }
            // Bounded trials: sums within 2^22 whose bound is given, right shifts within 30.
            let bounded = trial % 4 >= 2
            let shift = (0..<channels).map { q in !bounded && q % 11 == 5 ? -64 - Int64(q % 3) : g.int(-24...0) }
            let extremes: [Int64] = [1 << 40, -(1 << 40), 0]
            var acc = [Int64]()
            for k in 0..<rows * channels {
                acc.append(!bounded && k % 7 == 3 ? extremes[k % 3] : g.int(-(1 << 22)...(1 << 22)))
            }
            let sumBound = bounded ? acc.map { abs($0) }.max() ?? 0 : 0
            var want = [Int32](repeating: 0, count: acc.count)
            for k in acc.indices {
                let q = k % channels
                want[k] = Self.expected(
                    acc[k], bias: bias[q], clip: clip[q], scale: scale[q], shift: shift[q], biasFirst: biasFirst,
                    relu: relu, buffer: buffer, post: post, out: out)
            }
            let stage = OutputStageVariables(
                bias: bias, clip: clip, scale: scale, shift: shift, biasFirst: biasFirst, relu: relu, buffer: buffer,
                post: post, out: out)
            for path in KernelPath.supported {
                var got = [Int32](repeating: -1, count: acc.count)
                KernelPath.with(path) { stage.with(sumBound: sumBound) { sf_output_v2_rows($0, acc, &got, 0, rows) } }
                XCTAssertEqual(got, want, "trial \(trial), bounded \(bounded), path \(path.rawValue)")
            }
            total += want.count
            inRange += want.filter { Int64($0) > out.0 && Int64($0) < out.1 && $0 != 0 }.count
        }
        // Not only saturated or zero outputs: a fair share falls strictly inside the output range.
        XCTAssertGreaterThan(inRange, total / 10)
    }

    /// `sf_output_v2_global` against the simulator's pooled definition: the stage before pooling on each
    /// position, every value and running sum saturated to the post-op bounds, then scale, post-op
    /// saturation, rounding right shift (0...62) and output saturation. Narrow post-op bounds make the
    /// running saturation bite.
    func testGlobalPoolingMatchesTheDefinition() {
        var g = Generator(state: 31)
        func clamp(_ v: Int64, _ b: (Int64, Int64)) -> Int64 { min(max(v, b.0), b.1) }
        var saturated = 0, total = 0
        for trial in 0..<24 {
            let channels = [1, 5, 16, 37, 64, 100][trial % 6], rows = [1, 3, 9, 25][trial % 4]
            let biasFirst = trial % 2 == 0, relu = trial % 3 != 0
            let buffer = Self.signed([20, 28][trial % 2]), post = Self.signed([14, 18, 32][trial % 3])
            let out = trial % 4 == 0 ? (Int64(0), Int64(15)) : Self.signed(8)
            let bias = (0..<channels).map { _ in g.int(-(1 << 12)...(1 << 12)) }
            let clip = (0..<channels).map { _ in g.int(0...(1 << 14)) }
            let scale = (0..<channels).map { _ in g.int(-128...255) }
            let shift = (0..<channels).map { q in q % 7 == 3 ? -62 : g.int(-20...0) }
            let acc = (0..<rows * channels).map { _ in g.int(-(1 << 16)...(1 << 16)) }
            var want = [Int32](repeating: 0, count: channels)
            for q in 0..<channels {
                var sum: Int64 = 0
                for r in 0..<rows {
                    var v =
                        biasFirst
                        ? clamp(acc[r * channels + q] + bias[q], buffer)
                        : clamp(acc[r * channels + q], buffer) + bias[q]
                    if relu { v = min(max(v, 0), clip[q]) }
                    sum = clamp(sum + clamp(v, post), post)
                }
                if sum == post.0 || sum == post.1 { saturated += 1 }
                let prod = clamp(sum * scale[q], post), s = -shift[q]
                want[q] = Int32(clamp(s == 0 ? prod : (prod + (1 << (s - 1))) >> s, out))
            }
            total += channels
            let stage = OutputStageVariables(
                bias: bias, clip: clip, scale: scale, shift: shift, biasFirst: biasFirst, relu: relu, buffer: buffer,
                post: post, out: out)
            for path in KernelPath.supported {
                var got = [Int32](repeating: -7, count: channels)
                let status = KernelPath.with(path) { stage.with { sf_output_v2_global($0, acc, rows, &got) } }
                XCTAssertEqual(status, 1)
                XCTAssertEqual(got, want, "trial \(trial), path \(path.rawValue)")
            }
        }
        // The running saturation is reached by a fair share of channels, not never.
        XCTAssertGreaterThan(saturated, total / 20)
    }
}
