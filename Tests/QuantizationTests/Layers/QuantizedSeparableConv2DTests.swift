// QuantizedSeparableConv2D (reference §3.2, §7.5): a per-tensor depthwise kernel then a
// per-channel pointwise kernel on one accumulator (buffer not capped).
// The input is R = 4 → fb 5: x = [1, −0.5] is the payload [32, −16].
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedSeparableConv2DTests: XCTestCase {
    func testSeparableConv2D() throws {
        // Depthwise [0.25, −1] per tensor: S = 1/127, [32, −127] → [32·32, −16·−127] = [1024, 2032];
        // pointwise [1, 0.25]: [127, 32] → 1024·127 + 2032·32 = 195072 on 31 value bits.
        let sep = LayerFixture.layer(
            "sep", "Custom>QuantizedSeparableConv2D",
            #"""
            {"name": "sep", "filters": 1, "depth_multiplier": 1, \#(LayerFixture.convKeys),
            "quant_config": {"dw_weight_quantizer": {"bitwidth": 8, "axis": null},
            "pw_weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 32}}
            """#,
            variables: [
                ("depthwise_kernel", LayerFixture.t([1, 1, 2, 1], [0.25, -1])),
                ("pointwise_kernel", LayerFixture.t([1, 1, 2, 1], [1, 0.25])),
            ])
        let model = LayerFixture.model([1, 1, 2], range: 4, [sep])
        let x = LayerFixture.t([1, 1, 1, 2], [1, -0.5])
        let y = try LayerFixture.output(model, x)
        XCTAssertEqual(y.values, [195072])
        XCTAssertEqual(y.valueBits, 31)
        XCTAssertEqual(y.scales?.values, [LayerFixture.weightScale(1) * LayerFixture.weightScale(1)])
        let r = try XCTUnwrap(LayerFixture.integers(model, x)["sep"])
        XCTAssertEqual(r.kernel?.scalars, [32, -127])
        XCTAssertEqual(r.pointwiseKernel?.scalars, [127, 32])
    }
}
