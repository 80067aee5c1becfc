// AveragePooling2D: QuantizeML 1.2.5 does not quantize it. After a Dequantizer it runs as a float
// layer of the tail; a quantized form in a saved model is refused, naming the layer and the rule.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class AveragePooling2DTests: XCTestCase {
    let x = LayerFixture.t([1, 2, 2, 1], [1, 2, 3, 6].map { $0 / 8 })

    func testRunsAsFloatAfterTheDequantizer() throws {
        let deq = LayerFixture.layer("deq", "Custom>Dequantizer", #"{"name": "deq"}"#)
        let pool = LayerFixture.layer(
            "avg_pool", "AveragePooling2D", #"{"name": "avg_pool", "pool_size": [2, 2], "padding": "valid"}"#,
            inputs: ["deq"])
        let model = LayerFixture.model([2, 2, 1], range: 1, [deq, pool])
        guard case .float(let y)? = try LayerFixture.outputs(model, x)["avg_pool"] else {
            return XCTFail("no float output")
        }
        XCTAssertEqual(y.shape, [1, 1, 1, 1])
        XCTAssertEqual(y.scalars, [0.375])
    }

    func testQuantizedFormIsRefused() {
        let pool = LayerFixture.layer(
            "avg_pool", "Custom>QuantizedAveragePooling2D", #"{"name": "avg_pool", "pool_size": [2, 2]}"#)
        XCTAssertThrowsError(try QuantizedEngine(model: LayerFixture.model([2, 2, 1], range: 1, [pool]))) { error in
            let e = error as? QuantizedModelError
            XCTAssertEqual(e?.layer, "avg_pool")
            XCTAssertEqual(e?.rule, "not-quantizable")
            XCTAssertTrue("\(error)".contains("QuantizeML 1.2.5 has no quantized AveragePooling2D"), "\(error)")
        }
    }
}
