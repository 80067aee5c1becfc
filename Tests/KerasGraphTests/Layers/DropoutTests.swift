// Tests of the Dropout layer type: decoding, output shape (float and quantized class names), errors naming the layer,
// a tiny forward
import KerasGraph
import Tensors
import XCTest

final class DropoutTests: XCTestCase {
    func testShapeAndIdentity() throws {
        XCTAssertEqual(try LayerTest.shape("Dropout", #"{"rate": 0.5}"#, [[3]]), [3])
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedDropout", #"{"rate": 0.5}"#, [[3]]), [3])
        let x = Tensor<Float>(shape: [1, 3], scalars: [1, -2, 3])
        XCTAssertEqual(try LayerTest.run("Dropout", #"{"rate": 0.5}"#, [x]), x)
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("Dropout", "{}", [[2], [2]])
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("takes 1 input(s), got 2"), text)
    }
}
