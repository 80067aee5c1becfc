// DepthwiseConv2DTranspose (Akida 2.0): one unflipped transposed filter per channel, stride 2.
import AkidaModel
import XCTest

final class DepthwiseConv2DTransposeTests: XCTestCase {
    func testEachChannelScattersItsOwnKernel() throws {
        // 3x3 kernels: channel 0 taps 1..9, channel 1 all 1; inputs [1, 3] at the single position.
        var weights = [Int32](repeating: 1, count: 18)
        for tap in 0..<9 { weights[2 * tap] = Int32(tap + 1) }
        let up = AkidaLayer(
            name: "up", type: .depthwiseConv2DTranspose,
            parameters: [
                "activation": 0, "buffer_bits": 28, "kernel_size": 3, "output_bits": 16, "post_op_buffer_bits": 32,
                "weights_bits": 8,
            ],
            variables: ["weights": try ints(.int8, [3, 3, 2, 1], weights)], inbounds: ["input"],
            inputShapes: [[1, 1, 2]], outputShape: [2, 2, 2])
        let out = try AkidaSimulator(model: model([inputData([1, 1, 2]), up])).forward(
            batch([[1, 3]], shape: [1, 1, 2]))
        XCTAssertEqual(out.integers, [1, 3, 2, 3, 4, 3, 5, 3])
        XCTAssertEqual(AkidaLayerType.depthwiseConv2DTranspose.summaryName, "DepthwiseConv2DTranspose")
    }
}
