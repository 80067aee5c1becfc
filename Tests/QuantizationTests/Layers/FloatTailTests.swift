// The float tail after a Dequantizer runs every layer the float engine knows, QuantizeML's own
// float layers included (its Activation with hard_silu, left float by a partial quantization of
// MobileNetV3); a quantized class the engine does not know stays refused by name.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class FloatTailTests: XCTestCase {
    let x = LayerFixture.t([1, 2, 2, 1], [-4, -1, 0.5, 4].map { $0 / 8 })

    func testQuantizeMLActivationRunsAsFloat() throws {
        let deq = LayerFixture.layer("deq", "Custom>Dequantizer", #"{"name": "deq"}"#)
        let act = LayerFixture.layer(
            "activation_17", "Custom>Activation",
            #"{"name": "activation_17", "activation": "hard_silu", "alpha": 0.2}"#,
            inputs: ["deq"])
        let model = LayerFixture.model([2, 2, 1], range: 1, [deq, act])
        guard case .float(let y)? = try LayerFixture.outputs(model, x)["activation_17"] else {
            return XCTFail("no float output")
        }
        let hardSilu: (Float) -> Float = { $0 * min(max($0 + 3, 0), 6) / 6 }
        XCTAssertEqual(y.scalars, x.scalars.map(hardSilu))
    }

    func testUnknownQuantizedClassIsRefusedByName() {
        let odd = LayerFixture.layer("odd", "Custom>QuantizedMultiply", #"{"name": "odd"}"#)
        XCTAssertThrowsError(try QuantizedEngine(model: LayerFixture.model([2, 2, 1], range: 1, [odd]))) { error in
            XCTAssertEqual((error as? QuantizedModelError)?.layer, "odd", "\(error)")
        }
    }
}
