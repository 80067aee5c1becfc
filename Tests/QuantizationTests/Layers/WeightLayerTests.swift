// The four QuantizeML weight layers (reference §3.2, §7.3-7.6): weights quantized per channel
// (per tensor for the separable depthwise kernel) to RNE(W / S) with S = max|W| / 127, then an
// integer accumulation on the buffer width (28 bits capped, minus the sign bit).
// The input is R = 4 → fb 5: x = [1, −0.5] is the payload [32, −16].
import KerasGraph
import Quantization
import Tensors
import XCTest

final class WeightLayerTests: XCTestCase {
    let quantConfig = #""quant_config": {"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}"#
    let convKeys =
        #"""
        "kernel_size": [1, 1], "strides": [1, 1], "padding": "valid", "data_format": "channels_last",
        "dilation_rate": [1, 1], "activation": "linear", "use_bias": false
        """#

    /// The weight scale of a range as `model.predict` evaluates it: R · (1/127).
    func scale(_ range: Float) -> Float { range * (1 / Float(127)) }

    func testConv2D() throws {
        // Kernel (1, 1, 1, 2) [0.5, −0.25]: per-filter scales give [127, −127].
        let conv = LayerFixture.layer(
            "conv", "Custom>QuantizedConv2D",
            #"{"name": "conv", "filters": 2, "groups": 1, \#(convKeys), \#(quantConfig)}"#,
            variables: [("kernel", LayerFixture.t([1, 1, 1, 2], [0.5, -0.25]))])
        let model = LayerFixture.model([1, 2, 1], range: 4, [conv])
        let x = LayerFixture.t([1, 1, 2, 1], [1, -0.5])
        let y = try LayerFixture.output(model, x)
        XCTAssertEqual(y.values, [4064, -4064, -2032, 2032])
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.fracBits.values, [5])
        XCTAssertEqual(y.valueBits, 27)
        XCTAssertEqual(y.scales?.values, [scale(0.5), scale(0.25)])
        XCTAssertEqual(try XCTUnwrap(LayerFixture.integers(model, x)["conv"]).kernel?.scalars, [127, -127])
    }

    func testDense() throws {
        // Kernel (2, 1) [1, 0.25]: S = 1/127, Wq = [127, RNE(31.75) = 32]; 32·127 − 16·32 = 3552.
        let dense = LayerFixture.layer(
            "dense", "Custom>QuantizedDense",
            #"{"name": "dense", "units": 1, "activation": "linear", "use_bias": false, \#(quantConfig)}"#,
            variables: [("kernel", LayerFixture.t([2, 1], [1, 0.25]))])
        let y = try LayerFixture.output(LayerFixture.model([2], range: 4, [dense]), LayerFixture.t([1, 2], [1, -0.5]))
        XCTAssertEqual(y.values, [3552])
        XCTAssertEqual(y.shape, [1, 1])
        XCTAssertEqual(y.scales?.values, [scale(1)])
    }

    func testDepthwiseConv2D() throws {
        // Kernel (1, 1, 2, 1) [0.25, −1]: per-channel scales give [127, −127]; [32·127, −16·−127].
        let dw = LayerFixture.layer(
            "dw", "Custom>QuantizedDepthwiseConv2D",
            #"""
            {"name": "dw", "depth_multiplier": 1, \#(convKeys), "quant_config": {"weight_quantizer": {"bitwidth": 8,
            "axis": -2}, "buffer_bitwidth": 28}}
            """#,
            variables: [("depthwise_kernel", LayerFixture.t([1, 1, 2, 1], [0.25, -1]))])
        let y = try LayerFixture.output(
            LayerFixture.model([1, 1, 2], range: 4, [dw]), LayerFixture.t([1, 1, 1, 2], [1, -0.5]))
        XCTAssertEqual(y.values, [4064, 2032])
        XCTAssertEqual(y.fracBits.values, [5])
        XCTAssertEqual(y.scales?.values, [scale(0.25), scale(1)])
    }

    func testSeparableConv2D() throws {
        // Depthwise [0.25, −1] per tensor: S = 1/127, [32, −127] → [32·32, −16·−127] = [1024, 2032];
        // pointwise [1, 0.25]: [127, 32] → 1024·127 + 2032·32 = 195072 on 31 value bits.
        let sep = LayerFixture.layer(
            "sep", "Custom>QuantizedSeparableConv2D",
            #"""
            {"name": "sep", "filters": 1, "depth_multiplier": 1, \#(convKeys),
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
        XCTAssertEqual(y.scales?.values, [scale(1) * scale(1)])
        let r = try XCTUnwrap(LayerFixture.integers(model, x)["sep"])
        XCTAssertEqual(r.kernel?.scalars, [32, -127])
        XCTAssertEqual(r.pointwiseKernel?.scalars, [127, 32])
    }
}
