// Tests of the Softmax layer type: decoding, output shape (float and quantized class names), errors naming the layer,
// a tiny forward
import KerasGraph
import Tensors
import XCTest

final class SoftmaxTests: XCTestCase {
    func testDecodeAndShape() throws {
        XCTAssertEqual(try LayerTest.decode(SoftmaxLayer.self, "Softmax", #"{"axis": [1]}"#).axis, 1)
        XCTAssertEqual(try LayerTest.decode(SoftmaxLayer.self, "Softmax", "{}").axis, -1)
        XCTAssertEqual(try LayerTest.shape("Softmax", #"{"axis": 1}"#, [[3, 2]]), [3, 2])
    }

    func testErrorsNameTheLayer() {
        XCTAssertTrue(LayerTest.error("Softmax", #"{"axis": [1, 2]}"#).contains("several axes"))
        let axis = LayerTest.error("Softmax", #"{"axis": 4}"#, [[3, 2]])
        XCTAssertTrue(axis.contains("'odd_layer'") && axis.contains("not a feature axis of a rank-3 tensor"), axis)
    }

    func testForwardOverTheChosenAxis() throws {
        let x = Tensor<Float>(shape: [1, 2, 2], scalars: [0, 5, 0, 5])
        XCTAssertEqual(try LayerTest.run("Softmax", #"{"axis": 1}"#, [x]).scalars, [0.5, 0.5, 0.5, 0.5])
    }
}
