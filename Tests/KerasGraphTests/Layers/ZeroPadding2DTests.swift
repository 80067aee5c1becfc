// Tests of the ZeroPadding2D layer type: decoding, output shape (float and quantized class names), errors naming the
// layer, a tiny forward
import KerasGraph
import Tensors
import XCTest

final class ZeroPadding2DTests: XCTestCase {
    func testDecodeAndShape() throws {
        let layer = try LayerTest.decode(ZeroPadding2DLayer.self, "ZeroPadding2D", #"{"padding": [[1, 2], [0, 3]]}"#)
        XCTAssertEqual(layer.padding, Padding2D(top: 1, bottom: 2, left: 0, right: 3))
        XCTAssertEqual(try LayerTest.shape("ZeroPadding2D", #"{"padding": 1}"#, [[2, 3, 4]]), [4, 5, 4])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("ZeroPadding2D", #"{"padding": [-1, 2]}"#)
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("non-negative integers"), text)
        XCTAssertTrue(LayerTest.error("ZeroPadding2D", "{}", [[4]]).contains("expects (height, width, channels)"))
    }

    func testForward() throws {
        let out = try LayerTest.run(
            "ZeroPadding2D", #"{"padding": [[0, 1], [1, 0]]}"#,
            [Tensor(shape: [1, 1, 1, 1], scalars: [7])])
        XCTAssertEqual(out.shape, [1, 2, 2, 1])
        XCTAssertEqual(out.scalars, [0, 7, 0, 0])
    }
}
