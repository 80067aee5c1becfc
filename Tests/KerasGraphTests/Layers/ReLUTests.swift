// Tests of the ReLU layer type: decoding, output shape (float and quantized class names), errors naming the layer, a
// tiny forward
import KerasGraph
import Tensors
import XCTest

final class ReLUTests: XCTestCase {
    func testDecodeAndShape() throws {
        let layer = try LayerTest.decode(ReLULayer.self, "ReLU", #"{"max_value": 6.0, "threshold": 0.5}"#)
        XCTAssertEqual(layer.maxValue, 6)
        XCTAssertEqual(layer.threshold, 0.5)
        XCTAssertEqual(layer.negativeSlope, 0)
        XCTAssertEqual(try LayerTest.shape("ReLU", "{}", [[3, 2]]), [3, 2])
        // QuantizeML's and legacy CNN2SNN's QuantizedReLU keep the shape too.
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedReLU", #"{"max_value": 6.0}"#, [[3, 2]]), [3, 2])
        XCTAssertEqual(try LayerTest.registryShape("QuantizedReLU", #"{"bitwidth": 4}"#, [[3, 2]]), [3, 2])
    }

    func testErrorsNameTheLayer() {
        XCTAssertTrue(LayerTest.error("ReLU", #"{"max_value": -1}"#).contains("'odd_layer'"))
        XCTAssertTrue(
            LayerTest.error("ReLU", #"{"negative_slope": -1}"#).contains("negative_slope must be non-negative"))
    }

    func testForwardClampsAndLeaks() throws {
        let x = Tensor<Float>(shape: [1, 3], scalars: [-2, 1, 9])
        XCTAssertEqual(try LayerTest.run("ReLU", #"{"max_value": 6.0}"#, [x]).scalars, [0, 1, 6])
        XCTAssertEqual(try LayerTest.run("ReLU", #"{"negative_slope": 0.5}"#, [x]).scalars, [-1, 1, 9])
    }
}
