// QuantizedReshape (reference §7.12): the payload takes (batch, *target_shape), fb unchanged.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedReshapeTests: XCTestCase {
    func testTargetShape() throws {
        let reshape = LayerFixture.layer(
            "reshape", "Custom>QuantizedReshape", #"{"name": "reshape", "target_shape": [2, -1]}"#)
        let x = LayerFixture.t([1, 4], [1, 2, 3, 4].map { $0 / 128 })
        let y = try LayerFixture.output(LayerFixture.model([4], range: 1, [reshape]), x)
        XCTAssertEqual(y.values, [1, 2, 3, 4])
        XCTAssertEqual(y.shape, [1, 2, 2])
        XCTAssertEqual(y.fracBits.values, [7])
    }
}
