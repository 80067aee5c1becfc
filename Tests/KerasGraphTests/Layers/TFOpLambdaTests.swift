// Tests of the TFOpLambda layer type and its call format: the flat inbound entry with constant
// and tensor keyword arguments, the arithmetic and activation families, refusals naming the layer
// and the function.
import KerasGraph
import Tensors
import XCTest

final class TFOpLambdaTests: XCTestCase {
    static let addThree =
        #"{"function": "__operators__.add", "operands": [{"argument": "x", "input": 0}, "#
        + #"{"argument": "y", "value": 3.0}]}"#

    func testArithmeticWithAConstant() throws {
        let x = Tensor<Float>(shape: [1, 3], scalars: [-1, 0, 2.5])
        XCTAssertEqual(try LayerTest.run("TFOpLambda", Self.addThree, [x]).scalars, [2, 3, 5.5])
        let divide =
            #"{"function": "math.truediv", "operands": [{"argument": "x", "input": 0}, "#
            + #"{"argument": "y", "value": 6}]}"#
        XCTAssertEqual(try LayerTest.run("TFOpLambda", divide, [x]).scalars, [-1 / 6, 0, Float(2.5) / 6])
        XCTAssertEqual(try LayerTest.shape("TFOpLambda", Self.addThree, [[4, 4, 2]]), [4, 4, 2])
    }

    func testTwoTensorsBroadcast() throws {
        let json =
            #"{"function": "math.multiply", "operands": [{"argument": "x", "input": 0}, "#
            + #"{"argument": "y", "input": 1}]}"#
        XCTAssertEqual(try LayerTest.shape("TFOpLambda", json, [[2, 2, 3], [1, 1, 3]]), [2, 2, 3])
        let a = Tensor<Float>(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor<Float>(shape: [1, 1, 1, 2], scalars: [10, 100])
        XCTAssertEqual(try LayerTest.run("TFOpLambda", json, [a, b]).scalars, [10, 200, 30, 400])
    }

    func testActivationFamily() throws {
        let json = #"{"function": "nn.relu6", "operands": [{"argument": "x", "input": 0}]}"#
        let x = Tensor<Float>(shape: [1, 3], scalars: [-1, 3, 9])
        XCTAssertEqual(try LayerTest.run("TFOpLambda", json, [x]).scalars, [0, 3, 6])
    }

    func testRefusalsNameTheLayerAndTheFunction() {
        let text = LayerTest.error(
            "TFOpLambda", #"{"function": "image.resize", "operands": [{"argument": "x", "input": 0}]}"#)
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("'tf.image.resize' is not supported"), text)
        let missing = LayerTest.error("TFOpLambda", #"{"function": "math.add", "operands": []}"#)
        XCTAssertTrue(missing.contains("'odd_layer'") && missing.contains("takes the arguments"), missing)
    }

    /// tf_keras saves a TFOpLambda call as one flat entry whose keyword arguments hold constants
    /// or `[layer, node, tensor]` references; the graph reads both and the summary connects them.
    func testGraphReadsTheFlatCallFormat() throws {
        let config = try JSONValue(
            parsing: #"""
                {"class_name": "Functional", "config": {"name": "m", "layers": [
                  {"class_name": "InputLayer", "name": "in", "config": {"name": "in",
                   "batch_input_shape": [null, 2, 2, 3], "dtype": "float32"}, "inbound_nodes": []},
                  {"class_name": "TFOpLambda", "name": "tf.__operators__.add",
                   "config": {"name": "tf.__operators__.add", "function": "__operators__.add"},
                   "inbound_nodes": [["in", 0, 0, {"y": 3.0, "name": null}]]},
                  {"class_name": "TFOpLambda", "name": "tf.math.multiply", "config": {"name": "tf.math.multiply",
                   "function": "math.multiply"},
                   "inbound_nodes": [["tf.__operators__.add", 0, 0, {"y": ["in", 0, 0], "name": null}]]}],
                 "input_layers": [["in", 0, 0]], "output_layers": [["tf.math.multiply", 0, 0]]}}
                """#)
        let graph = try LayerGraph(file: KerasModelFile(modelConfig: config, weights: [:], layerNames: []))
        let multiply = try XCTUnwrap(graph.node(named: "tf.math.multiply"))
        XCTAssertEqual(multiply.inputs.map(\.layer), ["tf.__operators__.add", "in"])
        XCTAssertEqual(LayerRegistry.outputShapes(of: graph)["tf.math.multiply"], [2, 2, 3])
        let x = Tensor<Float>(shape: [1, 2, 2, 3], scalars: (0..<12).map(Float.init))
        let got = try FloatModel(graph: graph).predict(NDArray(x))
        XCTAssertEqual(got.scalars, x.scalars.map { ($0 + 3) * $0 })
    }
}
