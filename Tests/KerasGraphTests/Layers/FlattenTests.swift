// Tests of the Flatten layer type: decoding, output shape (float and quantized class names), errors naming the layer,
// a tiny forward
import KerasGraph
import Tensors
import XCTest

final class FlattenTests: XCTestCase {
    func testShape() throws {
        XCTAssertEqual(try LayerTest.shape("Flatten", "{}", [[3, 2, 4]]), [24])
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedFlatten", "{}", [[3, 2, 4]]), [24])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("Flatten", #"{"data_format": "channels_first"}"#)
        XCTAssertTrue(text.contains("'odd_layer' (Flatten)") && text.contains("channels_last"), text)
    }

    func testForwardKeepsValueOrder() throws {
        let out = try LayerTest.run("Flatten", "{}", [Tensor(shape: [1, 2, 2], scalars: [1, 2, 3, 4])])
        XCTAssertEqual(out.shape, [1, 4])
        XCTAssertEqual(out.scalars, [1, 2, 3, 4])
    }
}
