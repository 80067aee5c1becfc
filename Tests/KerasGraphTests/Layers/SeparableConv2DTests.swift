// Tests of the SeparableConv2D layer type: decoding, output shape (float and quantized class names), errors naming
// the layer, a tiny forward
import KerasGraph
import Tensors
import XCTest

final class SeparableConv2DTests: XCTestCase {
    func testDecodeShapeAndSlots() throws {
        let json = #"{"filters": 5, "kernel_size": 3, "strides": 2, "padding": "same"}"#
        let layer = try LayerTest.decode(SeparableConv2DLayer.self, "SeparableConvolution2D", json)
        XCTAssertEqual(layer.filters, 5)
        XCTAssertEqual(layer.multiplier, 1)
        XCTAssertEqual(try LayerTest.shape("SeparableConv2D", json, [[7, 7, 2]]), [4, 4, 5])
        XCTAssertEqual(LayerSpec(layer).weightSlots([[7, 7, 2]]).map(\.shape), [[3, 3, 2, 1], [1, 1, 2, 5], [5]])
        XCTAssertEqual(try LayerTest.registryShape("QuantizedSeparableConv2D", json, [[7, 7, 2]]), [4, 4, 5])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error(
            "SeparableConv2D", #"{"filters": 2, "kernel_size": 1, "data_format": "channels_first"}"#)
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("channels_last"), text)
    }

    func testForwardIsDepthwiseThenPointwise() throws {
        let x = Tensor<Float>(shape: [1, 1, 1, 2], scalars: [1, 2])
        let out = try LayerTest.run(
            "SeparableConv2D", #"{"filters": 1, "kernel_size": 1}"#, [x],
            weights: [
                "depthwise_kernel": Tensor(shape: [1, 1, 2, 1], scalars: [3, 4]),
                "pointwise_kernel": Tensor(shape: [1, 1, 2, 1], scalars: [1, 10]),
                "bias": Tensor(shape: [1], scalars: [1]),
            ])
        XCTAssertEqual(out.scalars, [3 + 80 + 1])
    }
}
