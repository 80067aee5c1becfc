// Tests of the Multiply layer type: broadcast output shape (squeeze-excite), errors naming the
// layer, a tiny forward.
import KerasGraph
import Tensors
import XCTest

final class MultiplyTests: XCTestCase {
    func testShapeBroadcasts() throws {
        XCTAssertEqual(try LayerTest.shape("Multiply", "{}", [[4, 4, 8], [1, 1, 8]]), [4, 4, 8])
        XCTAssertEqual(try LayerTest.shape("Multiply", "{}", [[2, 3], [2, 3], [2, 3]]), [2, 3])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("Multiply", "{}", [[4, 4, 8], [4, 4, 3]])
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("cannot be multiplied"), text)
    }

    func testForward() throws {
        let x = Tensor<Float>(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4])
        let scale = Tensor<Float>(shape: [1, 1, 1, 2], scalars: [0.5, 2])
        XCTAssertEqual(try LayerTest.run("Multiply", "{}", [x, scale]).scalars, [0.5, 4, 1.5, 8])
    }
}
