// QuantizedFlatten (reference §7.12): a per-axis input is expanded to its largest fb at its own
// value bits (the shifts are recorded), then reshaped to (batch, −1).
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedFlattenTests: XCTestCase {
    func testPerAxisInputIsExpanded() throws {
        // Per-axis ranges [1, 8] → fb [7, 4]: x = [10/128, 3/16] is the payload [10, 3].
        let iq = QuantizedLayer(
            name: "iq", className: "Custom>InputQuantizer",
            config: TinyModel.json(
                #"{"name": "iq", "quant_config": {}, "bitwidth": 8, "signed": true, "axis": "per-axis"}"#),
            inputs: [TensorRef(layer: "input")],
            variables: [
                QuantizedVariable(name: "range_min", value: LayerFixture.t([2], [-1, -8])),
                QuantizedVariable(name: "range_max", value: LayerFixture.t([2], [1, 8])),
            ])
        let flatten = LayerFixture.layer("flatten", "Custom>QuantizedFlatten", #"{"name": "flatten"}"#)
        let model = QuantizedModel(
            name: "m", layers: [TinyModel.input([1, 1, 2]), iq, flatten], inputs: ["input"],
            outputs: [TensorRef(layer: "flatten")])
        let x = LayerFixture.t([1, 1, 1, 2], [10 / 128, 3 / 16])
        let y = try LayerFixture.output(model, x)
        // Channel 1 is shifted left by 7 − 4 = 3: 3·8 = 24.
        XCTAssertEqual(y.values, [10, 24])
        XCTAssertEqual(y.shape, [1, 2])
        XCTAssertEqual(y.fracBits.values, [7])
        XCTAssertEqual(try XCTUnwrap(LayerFixture.integers(model, x)["flatten"]).inputShift, [0, 3])
    }
}
