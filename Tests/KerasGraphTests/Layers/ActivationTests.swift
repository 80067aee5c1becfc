// Tests of the Activation layer type: decoding, output shape (float and quantized class names), errors naming the
// layer, a tiny forward
import KerasGraph
import Tensors
import XCTest

final class ActivationTests: XCTestCase {
    func testDecodeAndShape() throws {
        XCTAssertEqual(
            try LayerTest.decode(ActivationLayer.self, "Activation", #"{"activation": "silu"}"#).function,
            .swish)
        let registered = #"{"activation": {"class_name": "function", "config": "relu6"}}"#
        XCTAssertEqual(try LayerTest.decode(ActivationLayer.self, "Activation", registered).function, .relu6)
        XCTAssertEqual(try LayerTest.shape("Activation", #"{"activation": "tanh"}"#, [[2, 3]]), [2, 3])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("Activation", #"{"activation": "my_fn"}"#)
        XCTAssertTrue(text.contains("'odd_layer' (Activation)") && text.contains("'my_fn' is not supported"), text)
    }

    func testForward() throws {
        let x = Tensor<Float>(shape: [1, 3], scalars: [-1, 3, 7])
        XCTAssertEqual(try LayerTest.run("Activation", #"{"activation": "relu6"}"#, [x]).scalars, [0, 3, 6])
    }

    /// hard_silu is QuantizeML's (its `Custom>Activation`), not a tf_keras activation.
    func testHardSiluOnlyForQuantizeMLActivation() throws {
        let json = #"{"activation": "hard_silu"}"#
        XCTAssertEqual(try LayerTest.decode(ActivationLayer.self, "Custom>Activation", json).function, .hardSilu)
        XCTAssertTrue(LayerTest.error("Activation", json).contains("'hard_silu' is not supported"))
        let x = Tensor<Float>(shape: [1, 4], scalars: [-4, -1, 1, 4])
        XCTAssertEqual(
            try LayerTest.run("Custom>Activation", json, [x]).scalars, x.scalars.map { $0 * min(max($0 + 3, 0), 6) / 6 }
        )
    }
}
