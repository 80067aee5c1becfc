import Tensors
// Kernel tests on small cases whose results follow from the definitions (TensorFlow's
// padding rule, sums of ones, windows of known cells).
import XCTest

final class KernelTests: XCTestCase {
    func ones(_ shape: [Int]) -> Tensor<Float> { Tensor(shape: shape, repeating: 1) }

    /// Counting tensor 0, 1, 2, ... in row-major order.
    func iota(_ shape: [Int]) -> Tensor<Float> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map(Float.init))
    }

    func testSamePaddingGeometryFollowsTensorFlow() {
        // out = ceil(in / stride); total padding = max((out-1)*stride + k - in, 0), smaller half first.
        XCTAssertEqual(windowGeometry(input: 49, kernel: 5, stride: 2, mode: .same).output, 25)
        XCTAssertTrue(windowGeometry(input: 49, kernel: 5, stride: 2, mode: .same) == (25, 2, 2))
        XCTAssertTrue(windowGeometry(input: 32, kernel: 3, stride: 2, mode: .same) == (16, 0, 1))
        XCTAssertTrue(windowGeometry(input: 10, kernel: 4, stride: 1, mode: .same) == (10, 1, 2))
        XCTAssertTrue(windowGeometry(input: 5, kernel: 1, stride: 2, mode: .same) == (3, 0, 0))
        XCTAssertTrue(windowGeometry(input: 7, kernel: 3, stride: 2, mode: .valid) == (3, 0, 0))
        XCTAssertTrue(windowGeometry(input: 2, kernel: 3, stride: 1, mode: .valid) == (0, 0, 0))
    }

    func testConvolutionOfOnesCountsCoveredCells() throws {
        // 4x4x2 ones, 3x3 kernel of ones, 'same', stride 1: each output = 2 * (cells inside).
        let g = windowGeometry2D(height: 4, width: 4, kernel: (3, 3), strides: (1, 1), mode: .same)
        let out = try Kernels.conv2D(
            ones([1, 4, 4, 2]), kernel: ones([3, 3, 2, 3]), bias: [0, 1, 2],
            strides: (1, 1), padding: g.padding)
        XCTAssertEqual(out.shape, [1, 4, 4, 3])
        let cells: [Float] = [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4]
        for (p, c) in cells.enumerated() {
            XCTAssertEqual(Array(out.scalars[(p * 3)..<(p * 3 + 3)]), [2 * c, 2 * c + 1, 2 * c + 2])
        }
    }

    func testStridedAsymmetricSamePadding() throws {
        // 4x4 counting image, 2x2 kernel of ones, stride 2, 'same': windows at rows/cols {0,1},{2,3}
        // with no padding needed (total = (2-1)*2 + 2 - 4 = 0).
        let out = try Kernels.conv2D(
            iota([1, 4, 4, 1]), kernel: ones([2, 2, 1, 1]), bias: nil,
            strides: (2, 2), padding: .zero)
        let expected: [Float] = [0 + 1 + 4 + 5, 2 + 3 + 6 + 7, 8 + 9 + 12 + 13, 10 + 11 + 14 + 15]
        XCTAssertEqual(out.scalars, expected)
        // 5x5 ones, 2x2, stride 2 'same': out 3, total padding 1, all of it after → last row/col see 2 cells.
        let g = windowGeometry2D(height: 5, width: 5, kernel: (2, 2), strides: (2, 2), mode: .same)
        XCTAssertEqual(g.padding, Padding2D(top: 0, bottom: 1, left: 0, right: 1))
        let edge = try Kernels.conv2D(
            ones([1, 5, 5, 1]), kernel: ones([2, 2, 1, 1]), bias: nil, strides: (2, 2), padding: g.padding)
        XCTAssertEqual(edge.scalars, [4, 4, 2, 4, 4, 2, 2, 2, 1])
    }

    func testKernelLayoutIsHWIO() throws {
        // 1x1 input with 2 channels [1, 10]; kernel[0,0,ci,co] = co + 1 for ci 0, 100*(co+1) for ci 1.
        let kernel = Tensor<Float>(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 100, 200, 300])
        let x = Tensor<Float>(shape: [1, 1, 1, 2], scalars: [1, 10])
        // Pointwise path and general path (padding forces the direct loop) agree.
        XCTAssertEqual(
            try Kernels.conv2D(x, kernel: kernel, bias: nil, strides: (1, 1), padding: .zero).scalars,
            [1001, 2002, 3003])
        let padded = try Kernels.conv2D(
            x, kernel: kernel, bias: nil, strides: (1, 1),
            padding: Padding2D(top: 0, bottom: 0, left: 0, right: 1))
        XCTAssertEqual(padded.scalars, [1001, 2002, 3003, 0, 0, 0])
    }

    func testDepthwiseWithMultiplier() throws {
        // Channels [1, 2] of a 1x1 image, multiplier 2, kernel (1,1,2,2) = [[10, 20], [30, 40]]:
        // output channel c*M+m = x[c] * k[c][m].
        let out = try Kernels.depthwiseConv2D(
            Tensor(shape: [1, 1, 1, 2], scalars: [1, 2]),
            kernel: Tensor(shape: [1, 1, 2, 2], scalars: [10, 20, 30, 40]),
            bias: [1, 1, 1, 1], strides: (1, 1), padding: .zero)
        XCTAssertEqual(out.scalars, [11, 21, 61, 81])
        // Multiplier 1 on ones with 3x3 'same': corner sees 4 cells, centre 9.
        let g = windowGeometry2D(height: 3, width: 3, kernel: (3, 3), strides: (1, 1), mode: .same)
        let dw = try Kernels.depthwiseConv2D(
            ones([1, 3, 3, 2]), kernel: ones([3, 3, 2, 1]), bias: nil,
            strides: (1, 1), padding: g.padding)
        XCTAssertEqual(dw.scalars, [4, 4, 6, 6, 4, 4, 6, 6, 9, 9, 6, 6, 4, 4, 6, 6, 4, 4])
    }

    func testDepthwiseSumsAsTensorFlow() throws {
        // One 3x3 window from a MobileNetV3 float tail; TensorFlow's value needs the taps summed
        // row-major with fused multiply-adds from zero and the bias last (bias first, or separate
        // rounding, gives 1.0618485). Nine equal channels cover the vector lanes and the scalar rest.
        let patch: [Float] = [
            0.7204897403717041, 1.344710350036621, 0.2944375276565552, 0.6699347496032715, 1.0480046272277832,
            0.7382709980010986, 1.2522351741790771, 0.302310585975647, 1.8555426597595215,
        ]
        let taps: [Float] = [
            -0.5988794565200806, 0.3280947804450989, -0.7269462943077087, 0.30491989850997925, -0.5354360938072205,
            1.1511554718017578, -0.33062854409217834, -0.5478578209877014, 0.24365226924419403,
        ]
        let c = 9
        let out = try Kernels.depthwiseConv2D(
            Tensor(shape: [1, 3, 3, c], scalars: patch.flatMap { [Float](repeating: $0, count: c) }),
            kernel: Tensor(shape: [3, 3, c, 1], scalars: taps.flatMap { [Float](repeating: $0, count: c) }),
            bias: [Float](repeating: 0.9007219076156616, count: c), strides: (1, 1), padding: .zero)
        XCTAssertEqual(out.scalars, [Float](repeating: 1.0618484020233154, count: c))
    }

    func testDenseOverLastAxisAndRowBlocks() throws {
        // 6 rows (a block of 4 plus 2), 2 inputs, kernel [[1, 2, 3], [4, 5, 6]].
        let x = iota([6, 2])
        let out = try Kernels.dense(x, kernel: Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), bias: [0, 0, 1])
        for r in 0..<6 {
            let a = Float(2 * r), b = Float(2 * r + 1)
            XCTAssertEqual(Array(out.scalars[(3 * r)..<(3 * r + 3)]), [a + 4 * b, 2 * a + 5 * b, 3 * a + 6 * b + 1])
        }
        let image = try Kernels.dense(ones([1, 2, 2, 2]), kernel: ones([2, 5]), bias: nil)
        XCTAssertEqual(image.shape, [1, 2, 2, 5])
        XCTAssertTrue(image.scalars.allSatisfy { $0 == 2 })
        XCTAssertThrowsError(try Kernels.dense(ones([2, 3]), kernel: ones([2, 5]), bias: nil))
    }

    func testPoolingIgnoresPaddedCells() throws {
        // 3x3 counting image, 2x2 pools stride 2 'same': out 2x2, padding after.
        let g = windowGeometry2D(height: 3, width: 3, kernel: (2, 2), strides: (2, 2), mode: .same)
        let x = iota([1, 3, 3, 1])
        let avg = try Kernels.pool2D(x, kind: .average, pool: (2, 2), strides: (2, 2), padding: g.padding)
        let means: [Float] = [(0 + 1 + 3 + 4) / 4, (2 + 5) / 2, (6 + 7) / 2, 8]
        XCTAssertEqual(avg.scalars, means)
        let negative = x.map { -$0 - 1 }
        let mx = try Kernels.pool2D(negative, kind: .max, pool: (2, 2), strides: (2, 2), padding: g.padding)
        XCTAssertEqual(mx.scalars, [-1, -3, -7, -9])
    }

    func testGlobalPoolingPaddingAndJoins() throws {
        let x = iota([2, 2, 2, 3])
        XCTAssertEqual(try Kernels.globalPool2D(x, kind: .average).scalars, [4.5, 5.5, 6.5, 16.5, 17.5, 18.5])
        XCTAssertEqual(try Kernels.globalPool2D(x, kind: .max).scalars, [9, 10, 11, 21, 22, 23])
        let padded = try Kernels.pad2D(ones([1, 1, 1, 1]), padding: Padding2D(top: 1, bottom: 0, left: 0, right: 2))
        XCTAssertEqual(padded.shape, [1, 2, 3, 1])
        XCTAssertEqual(padded.scalars, [0, 0, 0, 1, 0, 0])
        // One padding value per channel (quantizeml's PaddedConv2D); the input pixel is kept.
        let perChannel = try Kernels.pad2D(
            iota([1, 1, 1, 2]), padding: Padding2D(top: 0, bottom: 0, left: 1, right: 0),
            values: [7, -7])
        XCTAssertEqual(perChannel.scalars, [7, -7, 0, 1])
        XCTAssertThrowsError(try Kernels.pad2D(iota([1, 1, 1, 2]), padding: .zero, values: [1, 2, 3]))
        let joined = try Kernels.concatenate([iota([2, 2]), ones([2, 1])], axis: 1)
        XCTAssertEqual(joined.scalars, [0, 1, 1, 2, 3, 1])
        XCTAssertEqual(try Kernels.add([iota([3]), iota([3]), ones([3])]).scalars, [1, 3, 5])
        XCTAssertThrowsError(try Kernels.add([iota([3]), iota([2])]))
        let sm = try Kernels.softmax(Tensor(shape: [2, 2], scalars: [0, 0, 1000, 1000]), axis: 1)
        XCTAssertEqual(sm.scalars, [0.5, 0.5, 0.5, 0.5])
    }

    func testWindowsThatDoNotFitAreErrors() {
        XCTAssertThrowsError(
            try Kernels.conv2D(
                ones([1, 2, 2, 1]), kernel: ones([3, 3, 1, 1]), bias: nil,
                strides: (1, 1), padding: .zero))
        XCTAssertThrowsError(
            try Kernels.conv2D(
                ones([1, 4, 4, 2]), kernel: ones([3, 3, 1, 1]), bias: nil,
                strides: (1, 1), padding: .zero))
        XCTAssertThrowsError(
            try Kernels.pool2D(ones([1, 4, 4]), kind: .max, pool: (2, 2), strides: (2, 2), padding: .zero))
    }

    func testLargeConvolutionSplitsAcrossCoresIdentically() throws {
        // Big enough to run in parallel; every output row must equal a single-row computation.
        let x = Tensor<Float>(shape: [4, 16, 16, 8], scalars: (0..<(4 * 16 * 16 * 8)).map { Float($0 % 7) - 3 })
        let k = Tensor<Float>(shape: [3, 3, 8, 16], scalars: (0..<(9 * 8 * 16)).map { Float($0 % 5) - 2 })
        let g = windowGeometry2D(height: 16, width: 16, kernel: (3, 3), strides: (1, 1), mode: .same)
        let all = try Kernels.conv2D(x, kernel: k, bias: nil, strides: (1, 1), padding: g.padding)
        for b in 0..<4 {
            let one = Tensor(shape: [1, 16, 16, 8], scalars: Array(x.scalars[(b * 2048)..<((b + 1) * 2048)]))
            let single = try Kernels.conv2D(one, kernel: k, bias: nil, strides: (1, 1), padding: g.padding)
            XCTAssertEqual(single.scalars, Array(all.scalars[(b * 4096)..<((b + 1) * 4096)]))
        }
    }

    /// Straightforward convolution straight from the definition, for comparison with the tiled kernels.
    func naiveConv(
        _ x: Tensor<Float>, _ k: Tensor<Float>, depthwise: Bool, strides: (Int, Int), padding: Padding2D,
        outSize: (Int, Int)
    ) -> [Float] {
        let (n, h, w, ci) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, co) = (k.shape[0], k.shape[1], depthwise ? ci : k.shape[3])
        var out: [Float] = []
        for b in 0..<n {
            for oy in 0..<outSize.0 {
                for ox in 0..<outSize.1 {
                    for o in 0..<co {
                        var sum: Double = 0
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * strides.0 - padding.top + ky, ix = ox * strides.1 - padding.left + kx
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                for c in (depthwise ? o..<(o + 1) : 0..<ci) {
                                    let kv = k.scalars[
                                        ((ky * kw + kx) * k.shape[2] + c) * k.shape[3] + (depthwise ? 0 : o)]
                                    sum += Double(x.scalars[((b * h + iy) * w + ix) * ci + c]) * Double(kv)
                                }
                            }
                        }
                        out.append(Float(sum))
                    }
                }
            }
        }
        return out
    }

    func testTiledKernelsAgreeWithTheDefinition() throws {
        // Channel counts off the 8-wide tiles, odd sizes, stride 2 and asymmetric 'same' padding.
        let x = Tensor<Float>(
            shape: [3, 9, 7, 5], scalars: (0..<(3 * 9 * 7 * 5)).map { Float(($0 * 37) % 23) / 11 - 1 })
        let k = Tensor<Float>(
            shape: [4, 3, 5, 11], scalars: (0..<(4 * 3 * 5 * 11)).map { Float(($0 * 17) % 19) / 9 - 1 })
        let g = windowGeometry2D(height: 9, width: 7, kernel: (4, 3), strides: (2, 2), mode: .same)
        let conv = try Kernels.conv2D(x, kernel: k, bias: nil, strides: (2, 2), padding: g.padding)
        XCTAssertEqual(conv.shape, [3, 5, 4, 11])
        let want = naiveConv(x, k, depthwise: false, strides: (2, 2), padding: g.padding, outSize: (5, 4))
        for (a, b) in zip(conv.scalars, want) { XCTAssertEqual(a, b, accuracy: 1e-4) }

        let xd = Tensor<Float>(
            shape: [2, 6, 6, 13], scalars: (0..<(2 * 6 * 6 * 13)).map { Float(($0 * 7) % 29) / 14 - 1 })
        let kd = Tensor<Float>(shape: [3, 3, 13, 1], scalars: (0..<(9 * 13)).map { Float(($0 * 5) % 11) / 5 - 1 })
        let gd = windowGeometry2D(height: 6, width: 6, kernel: (3, 3), strides: (2, 2), mode: .same)
        let dw = try Kernels.depthwiseConv2D(xd, kernel: kd, bias: nil, strides: (2, 2), padding: gd.padding)
        let wantDw = naiveConv(xd, kd, depthwise: true, strides: (2, 2), padding: gd.padding, outSize: (3, 3))
        XCTAssertEqual(dw.shape, [2, 3, 3, 13])
        for (a, b) in zip(dw.scalars, wantDw) { XCTAssertEqual(a, b, accuracy: 1e-4) }

        // A window lying wholly in the padding sees nothing but the bias.
        let far = try Kernels.depthwiseConv2D(
            ones([1, 1, 1, 9]), kernel: ones([1, 1, 9, 1]), bias: Array(repeating: 2, count: 9),
            strides: (1, 1), padding: Padding2D(top: 1, bottom: 0, left: 0, right: 0))
        XCTAssertEqual(far.scalars, Array(repeating: 2, count: 9) + Array(repeating: 3, count: 9))
    }
}
