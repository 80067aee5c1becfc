// Tests of the Concatenate layer type: decoding, output shape (float and quantized class names), errors naming the
// layer, a tiny forward
import KerasGraph
import Tensors
import XCTest

final class ConcatenateTests: XCTestCase {
    func testDecodeAndShape() throws {
        XCTAssertEqual(try LayerTest.decode(ConcatenateLayer.self, "Concatenate", "{}").axis, -1)
        XCTAssertEqual(try LayerTest.shape("Concatenate", #"{"axis": 1}"#, [[2, 3], [4, 3]]), [6, 3])
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedConcatenate", "{}", [[2, 3], [2, 1]]), [2, 4])
    }

    func testErrorsNameTheLayer() {
        XCTAssertTrue(LayerTest.error("Concatenate", #"{"axis": "x"}"#).contains("axis must be an integer"))
        let text = LayerTest.error("Concatenate", #"{"axis": -1}"#, [[2, 3], [4, 3]])
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("differ on an axis other than"), text)
    }

    func testForward() throws {
        let a = Tensor<Float>(shape: [1, 1, 2], scalars: [1, 2]), b = Tensor<Float>(shape: [1, 1, 1], scalars: [3])
        XCTAssertEqual(try LayerTest.run("Concatenate", "{}", [a, b]).scalars, [1, 2, 3])
    }
}
