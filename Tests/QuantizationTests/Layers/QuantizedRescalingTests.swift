// QuantizedRescaling (reference §7.2): a FixedPoint becomes a QFloat whose scale is `scale`.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedRescalingTests: XCTestCase {
    func testScaleGoesIntoScales() throws {
        let rescaling = LayerFixture.layer(
            "rescaling", "Custom>QuantizedRescaling",
            #"{"name": "rescaling", "scale": 0.5, "offset": 0.0}"#)
        let x = LayerFixture.t([1, 2], [1, 2].map { $0 / 128 })
        let y = try LayerFixture.output(LayerFixture.model([2], range: 1, [rescaling]), x)
        XCTAssertEqual(y.values, [1, 2])
        XCTAssertEqual(y.fracBits.values, [7])
        XCTAssertEqual(y.scales, ChannelParam(scalar: 0.5))
    }

    func testNonZeroOffsetIsRefusedByName() throws {
        let rescaling = LayerFixture.layer(
            "rescaling", "Custom>QuantizedRescaling",
            #"{"name": "rescaling", "scale": 0.5, "offset": -1.0}"#)
        XCTAssertThrowsError(try QuantizedEngine(model: LayerFixture.model([2], range: 1, [rescaling]))) { error in
            XCTAssertEqual((error as? QuantizedModelError)?.layer, "rescaling")
        }
    }
}
