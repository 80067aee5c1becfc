// QuantizedGlobalAveragePooling2D (reference §7.11): the spatial sum on the 32-bit buffer, the
// 1/(H·W) factor in the scales; the OutputQuantizer multiplies by the quantized scale.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedGlobalAveragePooling2DTests: XCTestCase {
    // R = 1 → fb 7: payload [1, 2, 3, 5].
    let x = LayerFixture.t([1, 2, 2, 1], [1, 2, 3, 5].map { $0 / 128 })

    func gap(outputQuantizer: Bool) -> QuantizedLayer {
        let oq =
            outputQuantizer
            ? #", "output_quantizer": {"bitwidth": 8, "axis": "per-tensor", "buffer_bitwidth": 32}"# : ""
        return LayerFixture.layer(
            "gap", "Custom>QuantizedGlobalAveragePooling2D",
            #"""
            {"name": "gap", "data_format": "channels_last", "keepdims": false,
            "quant_config": {"buffer_bitwidth": 32\#(oq)}}
            """#,
            variables: outputQuantizer
                ? [
                    ("output_quantizer/range_max", LayerFixture.t([], [1])),
                    ("output_quantizer/rescaling_rate", LayerFixture.t([], [1])),
                ] : [])
    }

    func testSumWithMeanInScale() throws {
        let y = try LayerFixture.output(LayerFixture.model([2, 2, 1], range: 1, [gap(outputQuantizer: false)]), x)
        XCTAssertEqual(y.values, [11])
        XCTAssertEqual(y.shape, [1, 1])
        XCTAssertEqual(y.fracBits.values, [7])
        XCTAssertEqual(y.scales, ChannelParam(scalar: 0.25))
        XCTAssertEqual(y.valueBits, 32)
    }

    func testOutputQuantizer() throws {
        // Scale 0.25: f = 8 − ceil_log2(0.25) = 10, Q = 256 → saturated 255; P = 11·255 = 2805 at fb 17;
        // range_max 1 → fb_o 7, shift −10: floor(2805/1024 + 0.5) = 3.
        let model = LayerFixture.model([2, 2, 1], range: 1, [gap(outputQuantizer: true)])
        let y = try LayerFixture.output(model, x)
        XCTAssertEqual(y.values, [3])
        XCTAssertEqual(y.fracBits.values, [7])
        let r = try XCTUnwrap(LayerFixture.integers(model, x)["gap"])
        XCTAssertEqual(r.outputScales, [255])
        XCTAssertEqual(r.outputShift, [-10])
        XCTAssertEqual(r.inputShift, [0])
    }
}
