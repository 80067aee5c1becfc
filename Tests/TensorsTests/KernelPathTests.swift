// The float kernels give TensorFlow's summation (fused multiply-adds in reduction order from
// zero, bias last) bit for bit on every kernel path the CPU supports, including the portable one.
import Tensors
import XCTest

final class FloatKernelPathTests: XCTestCase {
    /// Deterministic values in [-2, 2) with full mantissas, so any other order or rounding shows.
    func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int32(truncatingIfNeeded: state >> 32)) / Float(1 << 30)
        }
    }

    func testDenseIsFusedInOrderOnEveryPath() throws {
        // 13 units: one 8-wide tile and a scalar tail; 6 rows: one 4-row tile and a partial one.
        let (rows, k, n) = (6, 37, 13)
        let x = values(rows * k, seed: 1), w = values(k * n, seed: 2), b = values(n, seed: 3)
        var want = [Float]()
        for r in 0..<rows {
            for j in 0..<n {
                var sum: Float = 0
                for i in 0..<k { sum.addProduct(x[r * k + i], w[i * n + j]) }
                want.append(sum + b[j])
            }
        }
        for path in KernelPath.supported {
            let got = try KernelPath.with(path) {
                try Kernels.dense(
                    Tensor(shape: [rows, k], scalars: x), kernel: Tensor(shape: [k, n], scalars: w), bias: b)
            }
            XCTAssertEqual(got?.scalars.map(\.bitPattern), want.map(\.bitPattern), path.rawValue)
        }
    }

    func testConvolutionsAgreeBitForBitAcrossPaths() throws {
        let input = Tensor(shape: [2, 7, 6, 11], scalars: values(2 * 7 * 6 * 11, seed: 4))
        let kernel = Tensor(shape: [3, 3, 11, 10], scalars: values(3 * 3 * 11 * 10, seed: 5))
        let dwKernel = Tensor(shape: [3, 3, 11, 1], scalars: values(3 * 3 * 11, seed: 6))
        let padding = windowGeometry2D(height: 7, width: 6, kernel: (3, 3), strides: (2, 1), mode: .same).padding
        func run() throws -> [UInt32] {
            let conv = try Kernels.conv2D(
                input, kernel: kernel, bias: values(10, seed: 7), strides: (2, 1), padding: padding)
            let dw = try Kernels.depthwiseConv2D(
                input, kernel: dwKernel, bias: values(11, seed: 8), strides: (2, 1), padding: padding)
            return (conv.scalars + dw.scalars).map(\.bitPattern)
        }
        let portable = try XCTUnwrap(KernelPath.with(.portable, run))
        // The depthwise definition at output (0, 1, 2) channel 9: taps inside the image in
        // row-major order, fused from zero, bias last.
        var sum: Float = 0
        for ky in 0..<3 {
            for kx in 0..<3 {
                let iy = 1 * 2 - padding.top + ky, ix = 2 - padding.left + kx
                guard (0..<7).contains(iy), (0..<6).contains(ix) else { continue }
                sum.addProduct(input.scalars[(iy * 6 + ix) * 11 + 9], dwKernel.scalars[(ky * 3 + kx) * 11 + 9])
            }
        }
        let convCount = 2 * 4 * 6 * 10
        XCTAssertEqual(portable[convCount + (1 * 6 + 2) * 11 + 9], (sum + values(11, seed: 8)[9]).bitPattern)
        for path in KernelPath.supported {
            XCTAssertEqual(try KernelPath.with(path, run), portable, path.rawValue)
        }
    }
}
