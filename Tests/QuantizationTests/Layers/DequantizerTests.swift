// Dequantizer (reference §3.6): FixedPoint → V / 2^fb.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class DequantizerTests: XCTestCase {
    func testFixedPointToFloat() throws {
        // R = 31 → fb = 7 − 5 = 2: x = [0.75, −1.25] is the payload [3, −5].
        let deq = LayerFixture.layer("deq", "Custom>Dequantizer", #"{"name": "deq"}"#)
        let model = LayerFixture.model([2], range: 31, [deq])
        let x = LayerFixture.t([1, 2], [0.75, -1.25])
        guard case .float(let f)? = try LayerFixture.outputs(model, x)["deq"] else { return XCTFail("no float output") }
        XCTAssertEqual(f.scalars, [0.75, -1.25])
        let r = try XCTUnwrap(LayerFixture.integers(model, x)["deq"])
        XCTAssertEqual(r.fracBits, [2])
        XCTAssertNil(r.scales)
    }
}
