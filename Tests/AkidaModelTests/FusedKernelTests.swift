// The u8 × s8 convolution (`sf_conv_i8`) against its definition, and the kernels that apply the
// Akida 2.0 output stage to their sums (`sf_conv_i8_output`, `sf_depthwise_i32_output`) against the
// sums followed by `sf_output_v2_rows` (itself checked against the definition in OutputStageTests),
// on every kernel path: weight copies of several input shifts, output counts across the 16-output
// blocks and 64-output panels, pixel counts off the tile sizes, signed and unsigned inputs, and
// output stages that fit 32-bit arithmetic and ones that need 64 bits.
import CKernels
import Tensors
import XCTest

final class FusedKernelTests: XCTestCase {
    private struct Generator {
        var state: UInt64
        mutating func int(_ r: ClosedRange<Int64>) -> Int64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return r.lowerBound &+ Int64(bitPattern: (state ^ (state >> 29)) % UInt64(r.upperBound - r.lowerBound + 1))
        }
    }

    /// The three kinds of stage: 32-bit arithmetic proven from the buffer saturation; needing 64 bits
    /// (bias before the saturation without a bound on the sums, a large bias, or shifts past 30);
    /// 32 bits proven only from the sums' bound (a 28-bit buffer, as Akida's, times an 8-bit scale
    /// needs more than 32 bits; so does a bias added before the saturation).
    private enum Kind: CaseIterable { case narrow, wide, narrowByBound }

    /// A random output stage of one kind, and the bound of the sums it will see.
    private struct Stage {
        var variables: OutputStageVariables
        var sumBound: Int64

        init(channels: Int, kind: Kind, relu: Bool, sums: [Int64], _ g: inout Generator) {
            let wide = kind == .wide
            // Bias before the saturation needs 64 bits unless the sums' bound is known.
            let biasFirst = kind != .narrow && g.int(0...1) == 0
            let biasSpan: Int64 = wide && !biasFirst ? 1 << 40 : 1 << 12
            let bias = (0..<channels).map { _ in g.int(-biasSpan...biasSpan) }
            // A few negative clips: min(max(v, 0), clip) is then the clip itself.
            let clip = (0..<channels).map { q in q % 9 == 4 ? -g.int(1...100) : g.int(0...(1 << 18)) }
            let scale = (0..<channels).map { _ in g.int(-128...255) }
            let shift = (0..<channels).map { q in wide && q % 5 == 2 ? -g.int(31...70) : -g.int(12...26) }
            // Sums pass the narrow saturations, so they are exercised, and a bias before it shows its order.
            let bufferBits: Int64 = biasFirst ? 15 : kind == .narrowByBound ? 27 : 19
            // Narrow stages with a post-op saturation inside int32 must apply it. A full 64-bit one: the
            // definition's branch-free clamp wraps there, which the kernels reproduce by leaving such
            // stages to output.c's 64-bit body.
            let postBits: Int64 = kind == .narrow && g.int(0...1) == 0 ? 20 : 31
            var post = (-(Int64(1) << postBits), (Int64(1) << postBits) - 1)
            if wide && g.int(0...2) == 0 { post = (.min, .max) }
            variables = OutputStageVariables(
                bias: bias, clip: clip, scale: scale, shift: shift, biasFirst: biasFirst, relu: relu,
                buffer: (-(1 << bufferBits), (1 << bufferBits) - 1), post: post,
                out: g.int(0...1) == 0 ? (0, 15) : (-128, 127))
            sumBound = kind == .narrowByBound ? sums.map { abs($0) }.max() ?? 0 : 0
        }

        var out: (Int64, Int64) { variables.out }

        /// `bounded` false leaves the sums' bound out: the 64-bit stage, the reference of these tests.
        func with<R>(bounded: Bool = true, _ body: (UnsafePointer<sf_output_v2>) -> R) -> R {
            variables.with(sumBound: bounded ? sumBound : 0, body)
        }

        /// The portable 64-bit stage over `rows` rows of sums.
        func apply(_ sums: [Int64], rows: Int) -> [Int32] {
            var result = [Int32](repeating: 0, count: sums.count)
            KernelPath.with(.portable) { with(bounded: false) { sf_output_v2_rows($0, sums, &result, 0, rows) } }
            return result
        }

        /// Outputs strictly inside the output range and not zero: the stage did more than saturate.
        func inside(_ values: [Int32]) -> Int {
            values.filter { $0 != 0 && Int64($0) > out.0 && Int64($0) < out.1 }.count
        }
    }

    private static func mismatches<T: Equatable>(_ a: [T], _ b: [T]) -> Int { zip(a, b).filter { $0 != $1 }.count }

    func testConvolutionAndItsOutputStageOnEveryPath() throws {
        var g = Generator(state: 5)
        var inside = 0, total = 0
        // (segments, length, outputs, grid rows, grid columns, distinct input shifts)
        let shapes = [
            (1, 8, 1, 3, 5, 1), (3, 9, 16, 4, 4, 1), (3, 12, 17, 5, 3, 2), (1, 64, 48, 7, 7, 1),
            (2, 20, 64, 3, 5, 3), (1, 40, 70, 4, 5, 1), (3, 24, 130, 2, 7, 2), (1, 5, 33, 13, 1, 1),
        ]
        for (trial, (segments, length, outputs, out0, out1, shiftCount)) in shapes.enumerated() {
            let signed = trial % 2 == 1
            let offset: Int64 = signed ? 128 : 0
            let rows = segments * length
            let w = (0..<rows * outputs).map { _ in Int32(g.int(-128...127)) }
            let rowShifts = (0..<length).map { t in Int32(shiftCount == 1 ? 0 : [0, 3, 1][t % shiftCount]) }
            // The input: segment s of pixel (p0, p1) starts at p0 · stride0 + p1 · stride1 + s · segStride.
            let (stride1, stride0, segStride) = (length, out1 * length, out0 * out1 * length)
            let count = segments * segStride + 4
            let x = (0..<count).map { _ in Int64(g.int(0...255)) - offset }
            var sums = [Int64](repeating: 0, count: out0 * out1 * outputs)
            for p in 0..<out0 * out1 {
                for f in 0..<outputs {
                    var sum: Int64 = 0
                    for s in 0..<segments {
                        for t in 0..<length {
                            let v = x[(p / out1) * stride0 + (p % out1) * stride1 + s * segStride + t]
                            sum += (v << Int64(rowShifts[t])) * Int64(w[(s * length + t) * outputs + f])
                        }
                    }
                    sums[p * outputs + f] = sum
                }
            }
            let unsplit = x.map { UInt8(truncatingIfNeeded: $0 + offset) }
            let packed = try XCTUnwrap(
                sf_pack_i8(w, Int32(segments), Int32(length), Int32(outputs), rowShifts, Int32(rowShifts.count)))
            defer { sf_free_i8(packed) }
            let pixels = out0 * out1
            let stages = Kind.allCases.map { Stage(channels: outputs, kind: $0, relu: trial % 3 != 0, sums: sums, &g) }
            let wanted = stages.map { $0.apply(sums, rows: pixels) }
            inside += zip(stages, wanted).map { $0.inside($1) }.reduce(0, +)
            total += stages.count * sums.count
            for path in KernelPath.supported {
                var acc = [Int64](repeating: -7, count: sums.count)
                // As the simulator does: bytes prepared for the path (AVX2 splits off bit 7).
                var bytes = unsplit, high = [UInt8](repeating: 0, count: count)
                let split = KernelPath.with(path) { sf_prepare_i8(packed, &bytes, &high, count, 255) != 0 } ?? false
                KernelPath.with(path) {
                    // Two pixel ranges, as the tiles run them.
                    for (first, last) in [(0, pixels / 3), (pixels / 3, pixels)] {
                        sf_conv_i8(
                            packed, bytes, split ? high : nil, stride0, stride1, segStride, Int32(out1), Int32(first),
                            Int32(last), Int32(offset), &acc)
                    }
                }
                XCTAssertEqual(Self.mismatches(acc, sums), 0, "sums, shape \(trial), \(path.rawValue)")
                for (kind, (stage, want)) in zip(Kind.allCases, zip(stages, wanted)) {
                    var got = [Int32](repeating: -7, count: sums.count)
                    KernelPath.with(path) {
                        stage.with { post in
                            for (first, last) in [(0, pixels / 2), (pixels / 2, pixels)] {
                                sf_conv_i8_output(
                                    packed, bytes, split ? high : nil, stride0, stride1, segStride, Int32(out1),
                                    Int32(first),
                                    Int32(last), Int32(offset), &acc, post, &got)
                            }
                        }
                    }
                    XCTAssertEqual(Self.mismatches(got, want), 0, "stage \(kind), shape \(trial), \(path.rawValue)")
                }
            }
        }
        XCTAssertGreaterThan(inside, total / 10)
    }

    func testDepthwiseAndItsOutputStageOnEveryPath() {
        var g = Generator(state: 8)
        var inside = 0, total = 0
        // (d0, d1, c, k0, k1, s0, s1, pad0, pad1, out0, out1)
        let geometries = [
            (6, 6, 70, 3, 3, 2, 2, 1, 1, 3, 3), (5, 7, 16, 3, 3, 1, 1, 1, 1, 5, 7), (4, 5, 130, 3, 3, 1, 1, 1, 1, 4, 5),
            // Rows wide enough for blocks of four interior positions, stride 1 and 2.
            (5, 13, 40, 3, 3, 1, 1, 1, 1, 5, 13), (8, 16, 64, 3, 3, 2, 2, 0, 0, 4, 8),
        ]
        for (trial, (d0, d1, c, k0, k1, s0, s1, pad0, pad1, out0, out1)) in geometries.enumerated() {
            let x = (0..<d0 * d1 * c).map { _ in Int32(g.int(-128...255)) }
            let w = (0..<k0 * k1 * c).map { _ in Int32(g.int(-128...127)) }
            let pads = trial % 3 == 1 ? [] : (0..<c).map { _ in Int32(g.int(-50...50)) }
            func depthwise(_ out: inout [Int64]) {
                pads.withUnsafeBufferPointer { p in
                    sf_depthwise_i32(
                        x, Int32(d0), Int32(d1), Int32(pad0), Int32(pad1), p.isEmpty ? nil : p.baseAddress, w, &out, 0,
                        Int32(out0), Int32(out1), Int32(k0), Int32(k1), Int32(s0), Int32(s1), Int32(c))
                }
            }
            var sums = [Int64](repeating: 0, count: out0 * out1 * c)
            KernelPath.with(.portable) { depthwise(&sums) }
            for kind in Kind.allCases {
                let stage = Stage(channels: c, kind: kind, relu: trial != 2, sums: sums, &g)
                let want = stage.apply(sums, rows: out0 * out1)
                inside += stage.inside(want)
                total += want.count
                for path in KernelPath.supported {
                    var acc = [Int64](repeating: -7, count: sums.count)
                    var got = [Int32](repeating: -7, count: sums.count)
                    KernelPath.with(path) {
                        stage.with { post in
                            pads.withUnsafeBufferPointer { p in
                                for (first, last) in [(0, out0 / 2), (out0 / 2, out0)] {
                                    sf_depthwise_i32_output(
                                        x, Int32(d0), Int32(d1), Int32(pad0), Int32(pad1),
                                        p.isEmpty ? nil : p.baseAddress,
                                        w, &acc, Int32(first), Int32(last), Int32(out1), Int32(k0), Int32(k1),
                                        Int32(s0),
                                        Int32(s1), Int32(c), post, &got)
                                }
                            }
                        }
                    }
                    XCTAssertEqual(Self.mismatches(got, want), 0, "depthwise \(trial), \(kind), \(path.rawValue)")
                }
            }
        }
        XCTAssertGreaterThan(inside, total / 10)
    }
}
