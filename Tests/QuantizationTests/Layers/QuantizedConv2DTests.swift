// QuantizedConv2D (reference §3.2, §7.3): per-filter weights RNE(W / S), S = max|W| / 127, an
// integer convolution on 27 value bits (buffer capped at 28).
// The input is R = 4 → fb 5: x = [1, −0.5] is the payload [32, −16].
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedConv2DTests: XCTestCase {
    let quantConfig = #""quant_config": {"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}"#

    func testConv2D() throws {
        // Kernel (1, 1, 1, 2) [0.5, −0.25]: per-filter scales give [127, −127].
        let conv = LayerFixture.layer(
            "conv", "Custom>QuantizedConv2D",
            #"{"name": "conv", "filters": 2, "groups": 1, \#(LayerFixture.convKeys), \#(quantConfig)}"#,
            variables: [("kernel", LayerFixture.t([1, 1, 1, 2], [0.5, -0.25]))])
        let model = LayerFixture.model([1, 2, 1], range: 4, [conv])
        let x = LayerFixture.t([1, 1, 2, 1], [1, -0.5])
        let y = try LayerFixture.output(model, x)
        XCTAssertEqual(y.values, [4064, -4064, -2032, 2032])
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.fracBits.values, [5])
        XCTAssertEqual(y.valueBits, 27)
        XCTAssertEqual(y.scales?.values, [LayerFixture.weightScale(0.5), LayerFixture.weightScale(0.25)])
        XCTAssertEqual(try XCTUnwrap(LayerFixture.integers(model, x)["conv"]).kernel?.scalars, [127, -127])
    }
}
