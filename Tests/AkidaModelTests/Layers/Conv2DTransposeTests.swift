// Conv2DTranspose (Akida 2.0): stride 2 'same' transposed convolution with unflipped kernels,
// as TensorFlow's conv2d_transpose computes it; summary row.
import AkidaModel
import XCTest

final class Conv2DTransposeTests: XCTestCase {
    private func layer(kernel: Int, weights: [Int32], inputShape: [Int]) throws -> AkidaLayer {
        AkidaLayer(
            name: "up", type: .conv2DTranspose,
            parameters: [
                "activation": 0, "buffer_bits": 28, "filters": 1, "kernel_size": kernel, "output_bits": 16,
                "post_op_buffer_bits": 32, "weights_bits": 8,
            ],
            variables: ["weights": try ints(.int8, [kernel, kernel, inputShape[2], 1], weights)],
            inbounds: ["input"], inputShapes: [inputShape],
            outputShape: [inputShape[0] * 2, inputShape[1] * 2, 1])
    }

    func testScattersEachInputOverTheKernel() throws {
        // 3x3 kernel, tap (ky, kx) = 3·ky + kx + 1; one input 1 at (0, 0): output (y, x) = W[y, x]
        // for y, x < 2 (TensorFlow puts no cell before the output when k − s = 1).
        let up = try layer(kernel: 3, weights: (1...9).map { Int32($0) }, inputShape: [1, 1, 1])
        let out = try AkidaSimulator(model: model([inputData([1, 1, 1]), up])).forward(batch([[1]], shape: [1, 1, 1]))
        XCTAssertEqual(out.integers, [1, 2, 4, 5])
    }

    func testKernelFourPadsOneCellBefore() throws {
        // 4x4 kernel of 1..16 on one input: output (y, x) = W[y + 1, x + 1].
        let up = try layer(kernel: 4, weights: (1...16).map { Int32($0) }, inputShape: [1, 1, 1])
        let out = try AkidaSimulator(model: model([inputData([1, 1, 1]), up])).forward(batch([[2]], shape: [1, 1, 1]))
        XCTAssertEqual(out.integers, [12, 14, 20, 22])
    }

    func testSummaryRow() throws {
        let up = try layer(kernel: 3, weights: [Int32](repeating: 1, count: 9), inputShape: [2, 2, 1])
        XCTAssertEqual(
            AkidaLayerType.conv2DTranspose.definition.summaryRow(up),
            AkidaSummaryLayer(
                name: "up", type: "Conv2DTranspose", outputShape: [4, 4, 1], kernelShapes: [[3, 3, 1, 1]]))
    }
}
