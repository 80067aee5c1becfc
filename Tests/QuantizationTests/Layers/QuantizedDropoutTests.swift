// QuantizedDropout (reference §7.15): the identity at inference.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedDropoutTests: XCTestCase {
    func testIdentity() throws {
        let dropout = LayerFixture.layer("dropout", "Custom>QuantizedDropout", #"{"name": "dropout", "rate": 0.5}"#)
        let x = LayerFixture.t([1, 2], [1, 2].map { $0 / 128 })
        let y = try LayerFixture.output(LayerFixture.model([2], range: 1, [dropout]), x)
        XCTAssertEqual(y.values, [1, 2])
        XCTAssertEqual(y.fracBits.values, [7])
        XCTAssertEqual(y.valueBits, 7)
    }
}
