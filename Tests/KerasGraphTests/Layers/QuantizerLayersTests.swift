// Tests of the value-preserving quantization layers: their shape, and the float engine's refusal
import KerasGraph
import Tensors
import XCTest

final class QuantizerLayersTests: XCTestCase {
    func testQuantizationLayersKeepTheirInputShape() throws {
        for cls in [
            "Custom>InputQuantizer", "Custom>Dequantizer", "Custom>QuantizedActivation", "ActivationDiscreteRelu",
        ] {
            XCTAssertEqual(try LayerTest.registryShape(cls, #"{"bitwidth": 4}"#, [[4, 4, 2]]), [4, 4, 2], cls)
            XCTAssertThrowsError(try LayerTest.registryShape(cls, "{}", [[4], [4]]), cls)
        }
    }

    func testTheFloatEngineRefusesThem() {
        let text = LayerTest.error("Custom>InputQuantizer", "{}")
        XCTAssertTrue(
            text.contains("'odd_layer' (Custom>InputQuantizer)") && text.contains("not supported by the float engine"),
            text)
    }
}
