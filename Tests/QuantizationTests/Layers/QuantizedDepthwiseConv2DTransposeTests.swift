// QuantizedDepthwiseConv2DTranspose: a per-tensor kernel scale (axis None), one transposed filter
// per channel on 27 value bits. The input is R = 4 → fb 5: x = [1, −0.5] is the payload [32, −16].
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedDepthwiseConv2DTransposeTests: XCTestCase {
    func testPerTensorKernelScale() throws {
        // Kernel (1, 1, 2, 1) [0.5, −0.25]: one range 0.5 for both channels gives [127, −64].
        let config = #"""
            {"name": "up", "kernel_size": [1, 1], "strides": [2, 2], "padding": "same",
             "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear",
             "use_bias": false, "depth_multiplier": 1,
             "quant_config": {"weight_quantizer": {"bitwidth": 8, "axis": null}, "buffer_bitwidth": 28}}
            """#
        let up = LayerFixture.layer(
            "up", "Custom>QuantizedDepthwiseConv2DTranspose", config,
            variables: [("depthwise_kernel", LayerFixture.t([1, 1, 2, 1], [0.5, -0.25]))])
        let model = LayerFixture.model([1, 1, 2], range: 4, [up])
        let x = LayerFixture.t([1, 1, 1, 2], [1, -0.5])
        let y = try LayerFixture.output(model, x)
        XCTAssertEqual(y.shape, [1, 2, 2, 2])
        XCTAssertEqual(y.values, [4064, 1024, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(y.scales?.values, [LayerFixture.weightScale(0.5)])
        XCTAssertEqual(try XCTUnwrap(LayerFixture.integers(model, x)["up"]).kernel?.scalars, [127, -64])
    }
}
