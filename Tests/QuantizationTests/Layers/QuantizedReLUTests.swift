// QuantizedReLU (reference §7.8): a FixedPoint input becomes a QFloat of scale 1 promoted to the
// 32-bit buffer; max_value is quantized unsigned on 8 bits, aligned on the input frac bits.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedReLUTests: XCTestCase {
    func relu(maxValue: String) -> QuantizedLayer {
        LayerFixture.layer(
            "relu", "Custom>QuantizedReLU",
            #"{"name": "relu", "max_value": \#(maxValue), "quant_config": {"buffer_bitwidth": 32}}"#)
    }

    // R = 2 → fb = 7 − 1 = 6: x = [−0.5, 0.25, 1.5] is the payload [−32, 16, 96].
    let x = LayerFixture.t([1, 3], [-0.5, 0.25, 1.5])

    func testUnbounded() throws {
        let y = try LayerFixture.output(LayerFixture.model([3], range: 2, [relu(maxValue: "null")]), x)
        XCTAssertEqual(y.values, [0, 16, 96])
        XCTAssertEqual(y.fracBits.values, [6])
        XCTAssertEqual(y.valueBits, 32)
        XCTAssertEqual(y.scales, ChannelParam(scalar: 1))
    }

    func testMaxValueClips() throws {
        // max_value / S = 1 → fb_M = min(8 − ceil_log2(1), 8, fb_X 6) = 6, M = 1·2^6 = 64.
        let model = LayerFixture.model([3], range: 2, [relu(maxValue: "1.0")])
        XCTAssertEqual(try LayerFixture.output(model, x).values, [0, 16, 64])
        let r = try XCTUnwrap(LayerFixture.integers(model, x)["relu"])
        XCTAssertEqual(r.maxValue, [64])
        XCTAssertEqual(r.maxValueShift, [0])
    }

    func testMaxValueAlignedWithShift() throws {
        // max_value 6: fb_M = 8 − ceil_log2(6) = 5 < 6, q = 6·32 = 192, aligned M = 192·2 = 384.
        let model = LayerFixture.model([3], range: 2, [relu(maxValue: "6.0")])
        XCTAssertEqual(try LayerFixture.output(model, x).values, [0, 16, 96])
        let r = try XCTUnwrap(LayerFixture.integers(model, x)["relu"])
        XCTAssertEqual(r.maxValue, [384])
        XCTAssertEqual(r.maxValueShift, [1])
    }
}
