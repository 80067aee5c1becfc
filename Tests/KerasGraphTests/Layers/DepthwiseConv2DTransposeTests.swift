// Tests of the DepthwiseConv2DTranspose layer type (quantizeml): shape, kernel slot, one
// transposed filter per channel, and the depth multiplier it refuses
import KerasGraph
import Tensors
import XCTest

final class DepthwiseConv2DTransposeTests: XCTestCase {
    let same = #"{"kernel_size": 3, "strides": 2, "padding": "same", "use_bias": false}"#

    func testShapeAndSlots() throws {
        XCTAssertEqual(try LayerTest.shape("DepthwiseConv2DTranspose", same, [[3, 4, 5]]), [6, 8, 5])
        XCTAssertEqual(
            try LayerTest.registryShape("Custom>QuantizedDepthwiseConv2DTranspose", same, [[2, 2, 3]]), [4, 4, 3])
        let layer = try LayerTest.decode(DepthwiseConv2DTransposeLayer.self, "DepthwiseConv2DTranspose", same)
        XCTAssertEqual(LayerSpec(layer).weightSlots([[3, 4, 5]]).map(\.shape), [[3, 3, 5, 1]])
    }

    func testEachChannelHasItsOwnFilter() throws {
        // 1x1 input of two channels [1, 10], kernels of ones and twos: 'same' k3 s2 fills (0..1, 0..1).
        let kernel = Tensor<Float>(shape: [3, 3, 2, 1], scalars: (0..<18).map { $0 % 2 == 0 ? 1 : 2 })
        let out = try LayerTest.run(
            "DepthwiseConv2DTranspose", same, [Tensor(shape: [1, 1, 1, 2], scalars: [1, 10])],
            weights: ["depthwise_kernel": kernel])
        XCTAssertEqual(out.shape, [1, 2, 2, 2])
        XCTAssertEqual(out.scalars, [1, 20, 1, 20, 1, 20, 1, 20])
    }

    func testQuantizemlConstraintsAreRefused() {
        let error = LayerTest.error("DepthwiseConv2DTranspose", #"{"kernel_size": 3, "depth_multiplier": 2}"#)
        XCTAssertTrue(error.contains("'odd_layer'") && error.contains("depth_multiplier"), error)
        let stride = LayerTest.error(
            "DepthwiseConv2DTranspose", #"{"kernel_size": 3, "strides": 1, "padding": "same"}"#)
        XCTAssertTrue(stride.contains("strides [1, 1] are not supported"), stride)
        let valid = LayerTest.error(
            "DepthwiseConv2DTranspose", #"{"kernel_size": 3, "strides": 2, "padding": "valid"}"#)
        XCTAssertTrue(valid.contains("padding 'valid' is not supported"), valid)
    }
}
