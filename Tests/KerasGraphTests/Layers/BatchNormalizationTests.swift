// Tests of the BatchNormalization layer type: decoding, output shape (float and quantized class names), errors naming
// the layer, a tiny forward
import KerasGraph
import Tensors
import XCTest

final class BatchNormalizationTests: XCTestCase {
    func testDecodeShapeAndSlots() throws {
        let json = #"{"axis": [3], "epsilon": 0.5, "center": true, "scale": false}"#
        let layer = try LayerTest.decode(BatchNormalizationLayer.self, "BatchNormalization", json)
        XCTAssertEqual(layer.epsilon, 0.5)
        XCTAssertFalse(layer.scale)
        XCTAssertEqual(try LayerTest.shape("BatchNormalization", json, [[2, 2, 4]]), [2, 2, 4])
        let slots = LayerSpec(layer).weightSlots([[2, 2, 4]])
        XCTAssertEqual(slots.map(\.name), ["beta", "moving_mean", "moving_variance"])
        XCTAssertEqual(slots.map(\.trainable), [true, false, false])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("BatchNormalization", #"{"axis": [1, 2]}"#)
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("single normalisation axis"), text)
    }

    func testForwardUsesMovingStatistics() throws {
        let json = #"{"axis": -1, "epsilon": 0.0}"#
        let out = try LayerTest.run(
            "BatchNormalization", json, [Tensor(shape: [1, 2], scalars: [3, 3])],
            weights: [
                "gamma": Tensor(shape: [2], scalars: [2, 1]), "beta": Tensor(shape: [2], scalars: [0, 1]),
                "moving_mean": Tensor(shape: [2], scalars: [1, 3]),
                "moving_variance": Tensor(shape: [2], scalars: [4, 1]),
            ])
        XCTAssertEqual(out.scalars, [2, 1])
    }
}
