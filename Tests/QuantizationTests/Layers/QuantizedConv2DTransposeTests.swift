// QuantizedConv2DTranspose: the Keras kernel (kh, kw, F, C) is quantized per filter in its
// transposed (kh, kw, C, F) layout, then the integer transposed convolution runs on 27 value bits.
// The input is R = 4 → fb 5: x = [1, −0.5] is the payload [32, −16].
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedConv2DTransposeTests: XCTestCase {
    func testStridedTransposeScattersThePayloads() throws {
        // Kernel (1, 1, 2, 1) [0.5, −0.25]: filters 0 and 1, per-filter scales give [127, −127].
        let config = #"""
            {"name": "up", "filters": 2, "kernel_size": [1, 1], "strides": [2, 2], "padding": "valid",
             "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear",
             "use_bias": false, "output_padding": null,
             "quant_config": {"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}}
            """#
        let up = LayerFixture.layer(
            "up", "Custom>QuantizedConv2DTranspose", config,
            variables: [("kernel", LayerFixture.t([1, 1, 2, 1], [0.5, -0.25]))])
        let model = LayerFixture.model([1, 2, 1], range: 4, [up])
        let x = LayerFixture.t([1, 1, 2, 1], [1, -0.5])
        let y = try LayerFixture.output(model, x)
        XCTAssertEqual(y.shape, [1, 2, 4, 2])
        XCTAssertEqual(
            y.values, [4064, -4064, 0, 0, -2032, 2032, 0, 0] + [Float](repeating: 0, count: 8))
        XCTAssertEqual(y.valueBits, 27)
        XCTAssertEqual(y.scales?.values, [LayerFixture.weightScale(0.5), LayerFixture.weightScale(0.25)])
        let kernel = try XCTUnwrap(LayerFixture.integers(model, x)["up"]?.kernel)
        XCTAssertEqual(kernel.shape, [1, 1, 1, 2])
        XCTAssertEqual(kernel.scalars, [127, -127])
    }
}
