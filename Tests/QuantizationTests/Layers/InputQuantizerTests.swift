// InputQuantizer (reference §3.5): fb = max_frac_bits(vb, R), RNE, saturation; unsigned adds
// the zero point −range_min·2^fb and gives a QFloat of scale 1.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class InputQuantizerTests: XCTestCase {
    func iq(signed: Bool, min: Float, max: Float) -> QuantizedModel {
        let layers = [TinyModel.input([4]), TinyModel.inputQuantizer(signed: signed, min: min, max: max)]
        return QuantizedModel(name: "m", layers: layers, inputs: ["input"], outputs: [TensorRef(layer: "iq")])
    }

    func testSigned() throws {
        // R = max(0.5, 3) = 3 → fb = 7 − ceil_log2(3) = 5; x·32 = [3.2, −32, 124.8, 64].
        let model = iq(signed: true, min: -0.5, max: 3)
        let x = LayerFixture.t([1, 4], [0.1, -1, 3.9, 2])
        let y = try LayerFixture.output(model, x)
        XCTAssertEqual(y.values, [3, -32, 125, 64])
        XCTAssertEqual(y.fracBits.values, [5])
        XCTAssertEqual(y.valueBits, 7)
        XCTAssertNil(y.scales)
        let r = try XCTUnwrap(LayerFixture.integers(model, x)["iq"])
        XCTAssertEqual(r.fracBits, [5])
        XCTAssertNil(r.zeroPoints)
    }

    func testUnsignedZeroPoint() throws {
        // R = 1 − (−1) = 2 → vb 8, fb = 8 − 1 = 7; Z = RNE(1·128) = 128;
        // x·128 = [0, 64, −128, 256 → 255], + Z = [128, 192, 0, 383 → 255].
        let model = iq(signed: false, min: -1, max: 1)
        let x = LayerFixture.t([1, 4], [0, 0.5, -1, 2])
        let y = try LayerFixture.output(model, x)
        XCTAssertEqual(y.values, [128, 192, 0, 255])
        XCTAssertEqual(y.fracBits.values, [7])
        XCTAssertEqual(y.scales, ChannelParam(scalar: 1))
        XCTAssertEqual(try XCTUnwrap(LayerFixture.integers(model, x)["iq"]).zeroPoints, [128])
    }
}
