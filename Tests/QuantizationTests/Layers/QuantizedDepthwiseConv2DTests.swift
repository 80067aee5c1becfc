// QuantizedDepthwiseConv2D (reference §3.2, §7.4): per-channel weights along axis −2, each channel
// accumulated on its own.
// The input is R = 4 → fb 5: x = [1, −0.5] is the payload [32, −16].
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedDepthwiseConv2DTests: XCTestCase {
    func testDepthwiseConv2D() throws {
        // Kernel (1, 1, 2, 1) [0.25, −1]: per-channel scales give [127, −127]; [32·127, −16·−127].
        let dw = LayerFixture.layer(
            "dw", "Custom>QuantizedDepthwiseConv2D",
            #"""
            {"name": "dw", "depth_multiplier": 1, \#(LayerFixture.convKeys),
            "quant_config": {"weight_quantizer": {"bitwidth": 8, "axis": -2}, "buffer_bitwidth": 28}}
            """#,
            variables: [("depthwise_kernel", LayerFixture.t([1, 1, 2, 1], [0.25, -1]))])
        let y = try LayerFixture.output(
            LayerFixture.model([1, 1, 2], range: 4, [dw]), LayerFixture.t([1, 1, 1, 2], [1, -0.5]))
        XCTAssertEqual(y.values, [4064, 2032])
        XCTAssertEqual(y.fracBits.values, [5])
        XCTAssertEqual(y.scales?.values, [LayerFixture.weightScale(0.25), LayerFixture.weightScale(1)])
    }
}
