// Tests of the GlobalPooling2D layer type: decoding, output shape (float and quantized class names), errors naming
// the layer, a tiny forward
import KerasGraph
import Tensors
import XCTest

final class GlobalPooling2DTests: XCTestCase {
    func testDecodeAndShape() throws {
        let layer = try LayerTest.decode(GlobalPooling2DLayer.self, "GlobalMaxPool2D", #"{"keepdims": true}"#)
        XCTAssertEqual(layer.kind, .max)
        XCTAssertTrue(layer.keepDims)
        XCTAssertEqual(try LayerTest.shape("GlobalAveragePooling2D", "{}", [[4, 4, 3]]), [3])
        XCTAssertEqual(try LayerTest.shape("GlobalMaxPooling2D", #"{"keepdims": true}"#, [[4, 4, 3]]), [1, 1, 3])
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedGlobalAveragePooling2D", "{}", [[4, 4, 3]]), [3])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("GlobalAveragePooling2D", "{}", [[16]])
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("expects (height, width, channels)"), text)
        XCTAssertTrue(LayerTest.error("GlobalAvgPool2D", #"{"data_format": "channels_first"}"#).contains("NHWC"))
    }

    func testForward() throws {
        let x = Tensor<Float>(shape: [1, 2, 1, 2], scalars: [1, 4, 3, 0])
        XCTAssertEqual(try LayerTest.run("GlobalAveragePooling2D", "{}", [x]).scalars, [2, 2])
        let kept = try LayerTest.run("GlobalMaxPooling2D", #"{"keepdims": true}"#, [x])
        XCTAssertEqual(kept.shape, [1, 1, 1, 2])
        XCTAssertEqual(kept.scalars, [3, 4])
    }
}
