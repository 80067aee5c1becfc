// Tests of the Dense layer type: decoding, output shape (float and quantized class names), errors naming the layer, a
// tiny forward
import KerasGraph
import Tensors
import XCTest

final class DenseTests: XCTestCase {
    func testDecodeShapeAndSlots() throws {
        let json = #"{"units": 3, "use_bias": false, "activation": "softmax"}"#
        let layer = try LayerTest.decode(DenseLayer.self, "Dense", json)
        XCTAssertEqual(layer.units, 3)
        XCTAssertFalse(layer.useBias)
        XCTAssertEqual(layer.activation, .softmax)
        XCTAssertEqual(try LayerTest.shape("Dense", json, [[4, 7]]), [4, 3])
        XCTAssertEqual(LayerSpec(layer).weightSlots([[7]]).map(\.shape), [[7, 3]])
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedDense", json, [[7]]), [3])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("Dense", #"{"units": 0}"#)
        XCTAssertTrue(text.contains("'odd_layer' (Dense)") && text.contains("'units'"), text)
        XCTAssertTrue(LayerTest.error("Dense", #"{"units": 2}"#, [[]]).contains("needs an input with a feature axis"))
    }

    func testForward() throws {
        let out = try LayerTest.run(
            "Dense", #"{"units": 1}"#, [Tensor(shape: [1, 2], scalars: [2, 3])],
            weights: [
                "kernel": Tensor(shape: [2, 1], scalars: [1, -1]), "bias": Tensor(shape: [1], scalars: [10]),
            ])
        XCTAssertEqual(out.scalars, [9])
    }
}
