// Tests of the DepthwiseConv2D layer type: decoding, output shape (float and quantized class names), errors naming
// the layer, a tiny forward
import KerasGraph
import Tensors
import XCTest

final class DepthwiseConv2DTests: XCTestCase {
    func testDecodeShapeAndSlots() throws {
        let json = #"{"kernel_size": 3, "depth_multiplier": 2, "padding": "valid", "use_bias": true}"#
        let layer = try LayerTest.decode(DepthwiseConv2DLayer.self, "DepthwiseConv2D", json)
        XCTAssertEqual(layer.multiplier, 2)
        XCTAssertEqual(try LayerTest.shape("DepthwiseConv2D", json, [[5, 5, 3]]), [3, 3, 6])
        XCTAssertEqual(LayerSpec(layer).weightSlots([[5, 5, 3]]).map(\.name), ["depthwise_kernel", "bias"])
        XCTAssertEqual(LayerSpec(layer).weightSlots([[5, 5, 3]]).map(\.shape), [[3, 3, 3, 2], [6]])
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedDepthwiseConv2D", json, [[5, 5, 3]]), [3, 3, 6])
    }

    func testErrorsNameTheLayer() {
        let dilated = LayerTest.error("DepthwiseConv2D", #"{"kernel_size": 3, "dilation_rate": 2}"#)
        XCTAssertTrue(dilated.contains("'odd_layer'") && dilated.contains("dilation_rate"), dilated)
        XCTAssertTrue(
            LayerTest.error("DepthwiseConv2D", #"{"kernel_size": 1, "depth_multiplier": 0}"#)
                .contains("'depth_multiplier' must be a positive integer"))
    }

    func testForwardScalesEachChannel() throws {
        let x = Tensor<Float>(shape: [1, 1, 1, 2], scalars: [3, 4])
        let out = try LayerTest.run(
            "DepthwiseConv2D", #"{"kernel_size": 1, "use_bias": false}"#, [x],
            weights: ["depthwise_kernel": Tensor(shape: [1, 1, 2, 1], scalars: [2, -1])])
        XCTAssertEqual(out.scalars, [6, -4])
    }
}
