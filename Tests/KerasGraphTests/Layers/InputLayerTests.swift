// Tests of the InputLayer layer type: decoding, output shape (float and quantized class names), errors naming the
// layer, a tiny forward
import KerasGraph
import Tensors
import XCTest

final class InputLayerTests: XCTestCase {
    func testDecodesBothShapeKeysAndDtype() throws {
        let old = try LayerTest.decode(InputLayer.self, "InputLayer", #"{"batch_input_shape": [null, 8, 8, 3]}"#)
        XCTAssertEqual(old.shape, [8, 8, 3])
        XCTAssertEqual(old.dtype, .float32)
        let new = try LayerTest.decode(InputLayer.self, "InputLayer", #"{"batch_shape": [null, 5], "dtype": "uint8"}"#)
        XCTAssertEqual(new.shape, [5])
        XCTAssertEqual(new.dtype, .uint8)
    }

    func testShapeTakesNoInputs() throws {
        XCTAssertEqual(try LayerTest.shape("InputLayer", #"{"batch_input_shape": [null, 4, 2]}"#, []), [4, 2])
        XCTAssertEqual(try LayerTest.registryShape("InputLayer", #"{"batch_shape": [null, 4, 2]}"#, []), [4, 2])
        XCTAssertTrue(LayerTest.error("InputLayer", #"{"batch_input_shape": [null, 4]}"#).contains("takes 0 input(s)"))
    }

    func testErrorsNameTheLayer() {
        let dynamic = LayerTest.error("InputLayer", #"{"batch_input_shape": [null, null, 3]}"#, [])
        XCTAssertTrue(dynamic.contains("'odd_layer'") && dynamic.contains("fixed positive integers"), dynamic)
        XCTAssertTrue(LayerTest.error("InputLayer", "{}", []).contains("no batch_input_shape"))
        XCTAssertTrue(
            LayerTest.error("InputLayer", #"{"batch_shape": [null, 2], "dtype": "bool"}"#, [])
                .contains("'bool' is not numeric"))
    }

    func testForwardPassesTheBatchThrough() throws {
        let input = try LayerTest.node("InputLayer", #"{"batch_input_shape": [null, 2]}"#, name: "in", inputs: 0)
        let model = try FloatModel(
            graph: LayerGraph(
                modelClass: "Functional", name: "m", nodes: [input], inputs: ["in"],
                outputs: [TensorRef(layer: "in")]))
        let x = Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
        XCTAssertEqual(try model.forward([x]).outputs, [x])
    }
}
