// QuantizedActivation (reference §7.17): the activation of every input code sets the scale
// max|f| / (2^13 − 1); outputs are RNE(f(x) / scale) on 13 value bits.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedActivationTests: XCTestCase {
    func testLeakyReLU() throws {
        let act = LayerFixture.layer(
            "act", "Custom>QuantizedActivation",
            #"{"name": "act", "activation": "leaky_relu", "alpha": 0.2, "quant_config": {}}"#)
        // R = 4 → fb 5: payload [0, 127, −127]. Over codes −128…127 the largest |f| is f(127/32),
        // so 127 maps to 8191 and −127 to −0.2·8191 = −1638.2 → −1638.
        let x = LayerFixture.t([1, 3], [0, 127, -127].map { $0 / 32 })
        let y = try LayerFixture.output(LayerFixture.model([3], range: 4, [act]), x)
        XCTAssertEqual(y.values, [0, 8191, -1638])
        XCTAssertEqual(y.valueBits, 13)
        XCTAssertEqual(y.fracBits.values, [0])
    }
}
