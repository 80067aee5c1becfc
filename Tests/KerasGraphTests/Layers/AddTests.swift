// Tests of the Add layer type: decoding, output shape (float and quantized class names), errors naming the layer, a
// tiny forward
import KerasGraph
import Tensors
import XCTest

final class AddTests: XCTestCase {
    func testShape() throws {
        XCTAssertEqual(try LayerTest.shape("Add", "{}", [[2, 3], [2, 3], [2, 3]]), [2, 3])
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedAdd", "{}", [[2, 3], [2, 3]]), [2, 3])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("Add", "{}", [[2, 3], [2, 4]])
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("cannot be added"), text)
        XCTAssertTrue(LayerTest.error("Add", "{}", [[2, 3]]).contains("takes two or more inputs, got 1"))
    }

    func testForward() throws {
        let a = Tensor<Float>(shape: [1, 2], scalars: [1, 2]), b = Tensor<Float>(shape: [1, 2], scalars: [10, 20])
        XCTAssertEqual(try LayerTest.run("Add", "{}", [a, b]).scalars, [11, 22])
    }
}
