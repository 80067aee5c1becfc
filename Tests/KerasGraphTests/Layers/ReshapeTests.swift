// Tests of the Reshape layer type: decoding, output shape (float and quantized class names), errors naming the layer,
// a tiny forward
import KerasGraph
import Tensors
import XCTest

final class ReshapeTests: XCTestCase {
    func testDecodeAndShape() throws {
        XCTAssertEqual(
            try LayerTest.decode(ReshapeLayer.self, "Reshape", #"{"target_shape": [2, -1]}"#).target, [2, -1])
        XCTAssertEqual(try LayerTest.shape("Reshape", #"{"target_shape": [2, -1]}"#, [[3, 4]]), [2, 6])
        XCTAssertEqual(
            try LayerTest.registryShape("Custom>QuantizedReshape", #"{"target_shape": [12]}"#, [[3, 4]]),
            [12])
    }

    func testErrorsNameTheLayer() {
        XCTAssertTrue(LayerTest.error("Reshape", #"{"target_shape": [-1, -1]}"#).contains("at most one -1"))
        let text = LayerTest.error("Reshape", #"{"target_shape": [5]}"#, [[2, 2]])
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("cannot reshape (None, 2, 2) (4 values)"), text)
    }

    func testForward() throws {
        let out = try LayerTest.run("Reshape", #"{"target_shape": [2, 1]}"#, [Tensor(shape: [1, 2], scalars: [5, 6])])
        XCTAssertEqual(out.shape, [1, 2, 1])
        XCTAssertEqual(out.scalars, [5, 6])
    }
}
