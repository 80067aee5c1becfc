// QuantizedConcatenate (reference §7.14): payloads joined; on the channel axis the frac bits
// are joined per channel.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedConcatenateTests: XCTestCase {
    func testChannelAxis() throws {
        let cat = LayerFixture.layer(
            "cat", "Custom>QuantizedConcatenate", #"{"name": "cat", "axis": -1, "quant_config": {}}"#,
            inputs: ["iq", "iq"])
        let x = LayerFixture.t([1, 2], [1, 2].map { $0 / 128 })
        let y = try LayerFixture.output(LayerFixture.model([2], range: 1, [cat]), x)
        XCTAssertEqual(y.values, [1, 2, 1, 2])
        XCTAssertEqual(y.shape, [1, 4])
        XCTAssertEqual(y.fracBits.values, [7, 7, 7, 7])
        XCTAssertEqual(y.valueBits, 7)
    }
}
