// QuantizedConcatenate (reference §7.14): payloads joined; on the channel axis the frac bits
// are joined per channel.
import KerasGraph
import KerasHDF5
import Quantization
import Tensors
import TestSupport
import XCTest

final class QuantizedConcatenateTests: XCTestCase {
    func testChannelAxis() throws {
        let cat = LayerFixture.layer(
            "cat", "Custom>QuantizedConcatenate", #"{"name": "cat", "axis": -1, "quant_config": {}}"#,
            inputs: ["iq", "iq"])
        let x = LayerFixture.t([1, 2], [1, 2].map { $0 / 128 })
        let y = try LayerFixture.output(LayerFixture.model([2], range: 1, [cat]), x)
        XCTAssertEqual(y.values, [1, 2, 1, 2])
        XCTAssertEqual(y.shape, [1, 4])
        XCTAssertEqual(y.fracBits.values, [7, 7, 7, 7])
        XCTAssertEqual(y.valueBits, 7)
    }

    /// QuantizeML joins the rank-1 frac bits on the axis as written: `Concatenate(axis=3)` on
    /// 4-D tensors fails in the reference (concat_axis3) and is refused naming the layer and rule.
    func testPositiveChannelAxisIsRefusedLikeTheReference() throws {
        let reference = try String(contentsOf: Fixtures.file("concat_axis3", "quantize_error.txt"), encoding: .utf8)
        XCTAssertTrue(reference.contains("concat_frac_bits") && reference.contains("\"concat\""), reference)
        let model = try KerasH5.read(Fixtures.file("concat_axis3", "model.h5"))
        XCTAssertThrowsError(try Quantizer.quantize(model, options: PipelineFixtures.options(for: "concat_axis3"))) {
            let error = $0 as? QuantizationError
            XCTAssertEqual(error, .concatenateChannelAxis(layer: "concat", axis: 3))
            XCTAssertEqual(error?.rule, "concatenate-channel-axis-negative")
            XCTAssertTrue("\($0)".contains("axis=-1"), "\($0)")
        }
    }
}
