// Tests of the Rescaling layer type: decoding, output shape (float and quantized class names), errors naming the
// layer, a tiny forward
import KerasGraph
import Tensors
import XCTest

final class RescalingTests: XCTestCase {
    func testDecodeAndShape() throws {
        let layer = try LayerTest.decode(RescalingLayer.self, "Rescaling", #"{"scale": 0.5, "offset": [1, 2]}"#)
        XCTAssertEqual(layer.scale, [0.5])
        XCTAssertEqual(layer.offset, [1, 2])
        XCTAssertEqual(try LayerTest.shape("Rescaling", #"{"scale": 0.5, "offset": [1, 2]}"#, [[3, 2]]), [3, 2])
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedRescaling", #"{"scale": 0.5}"#, [[3, 2]]), [3, 2])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("Rescaling", #"{"scale": [1, 2, 3]}"#)
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("3 scale values do not broadcast over 2"), text)
        XCTAssertTrue(LayerTest.error("Rescaling", #"{"offset": "x"}"#).contains("'offset' must be a number"))
    }

    func testForwardPerChannel() throws {
        let x = Tensor<Float>(shape: [1, 2, 2], scalars: [1, 1, 2, 2])
        let out = try LayerTest.run("Rescaling", #"{"scale": [2, 3], "offset": [1, -1]}"#, [x])
        XCTAssertEqual(out.scalars, [3, 2, 5, 5])
    }
}
