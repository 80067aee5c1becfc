// QuantizedMaxPool2D (reference §7.10): max of the payload over each window, fb unchanged.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedMaxPool2DTests: XCTestCase {
    func testWindowMax() throws {
        let pool = LayerFixture.layer(
            "pool", "Custom>QuantizedMaxPool2D",
            #"""
            {"name": "pool", "pool_size": [2, 2], "strides": [2, 2], "padding": "valid",
            "data_format": "channels_last"}
            """#
        )
        // R = 1 → fb 7: the payload is x·128.
        let x = LayerFixture.t([1, 2, 2, 1], [1, 3, -1, 0].map { $0 / 128 })
        let y = try LayerFixture.output(LayerFixture.model([2, 2, 1], range: 1, [pool]), x)
        XCTAssertEqual(y.values, [3])
        XCTAssertEqual(y.shape, [1, 1, 1, 1])
        XCTAssertEqual(y.fracBits.values, [7])
        XCTAssertEqual(y.valueBits, 7)
    }
}
