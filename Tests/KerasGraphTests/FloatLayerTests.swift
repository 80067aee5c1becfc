import KerasGraph
import Tensors
// Layer-level tests on graphs assembled in code: Keras formulas on hand-checkable values, shape
// inference, parameter counts and the errors users see for configs the engine refuses.
import XCTest

final class FloatLayerTests: XCTestCase {
    func config(_ json: String) throws -> JSONValue { try JSONValue(parsing: json) }

    func node(_ cls: String, _ json: String, name: String = "layer", weights: [NamedWeight] = []) throws -> GraphNode {
        GraphNode(
            name: name, className: cls, config: try config(json), inputs: [TensorRef(layer: "input")], weights: weights)
    }

    /// Runs one layer on a row vector.
    func run(_ cls: String, _ json: String, _ values: [Float]) throws -> [Float] {
        let layer = try FloatLayer(node: try node(cls, json), inputShapes: [[values.count]])
        return try layer([Tensor(shape: [1, values.count], scalars: values)]).scalars
    }

    func testReluVariantsFollowKerasDefinition() throws {
        // f(x) = max_value for x >= max_value; x for threshold < x < max_value;
        // negative_slope * (x - threshold) otherwise.
        let x: [Float] = [-2, -0.5, 0, 0.25, 0.5, 1, 3, 10]
        XCTAssertEqual(
            try run("ReLU", #"{"max_value": null, "negative_slope": 0, "threshold": 0}"#, x),
            [0, 0, 0, 0.25, 0.5, 1, 3, 10])
        XCTAssertEqual(
            try run("ReLU", #"{"max_value": 6.0, "negative_slope": 0, "threshold": 0}"#, x),
            [0, 0, 0, 0.25, 0.5, 1, 3, 6])
        XCTAssertEqual(
            try run("ReLU", #"{"max_value": null, "negative_slope": 0.5, "threshold": 0}"#, x),
            [-1, -0.25, 0, 0.25, 0.5, 1, 3, 10])
        XCTAssertEqual(
            try run("ReLU", #"{"max_value": 4.0, "negative_slope": 0, "threshold": 0.5}"#, x),
            [0, 0, 0, 0, 0, 1, 3, 4])
        XCTAssertEqual(
            try run("ReLU", #"{"max_value": 4.0, "negative_slope": 0.5, "threshold": 1}"#, x),
            [-1.5, -0.75, -0.5, -0.375, -0.25, 0, 3, 4])
    }

    func testActivationFunctionsOnKnownPoints() throws {
        func act(_ name: String, _ x: [Float]) throws -> [Float] {
            try run("Activation", #"{"activation": "\#(name)"}"#, x)
        }
        XCTAssertEqual(try act("relu6", [-1, 3, 7]), [0, 3, 6])
        XCTAssertEqual(try act("hard_sigmoid", [-3, 0, 1, 3]), [0, 0.5, 0.7, 1])
        XCTAssertEqual(try act("sigmoid", [0]), [0.5])
        XCTAssertEqual(try act("tanh", [0]), [0])
        XCTAssertEqual(try act("softsign", [1, -3]), [0.5, -0.75])
        XCTAssertEqual(try act("linear", [-1, 2]), [-1, 2])
        XCTAssertEqual(try act("silu", [0]), [0])
        XCTAssertEqual(try act("leaky_relu", [-1, 1]), [-0.2, 1])
        XCTAssertEqual(try act("exponential", [0]), [1])
        XCTAssertEqual(try act("gelu", [0]), [0])
        XCTAssertEqual(try act("softplus", [0])[0], Float(log(2.0)), accuracy: 1e-7)
        XCTAssertEqual(try act("softmax", [1, 1, 1, 1]), [0.25, 0.25, 0.25, 0.25])
        XCTAssertEqual(try act("log_softmax", [3, 3])[0], -Float(log(2.0)), accuracy: 1e-6)
        XCTAssertThrowsError(try act("my_custom_fn", [0])) { XCTAssertTrue("\($0)".contains("my_custom_fn")) }
    }

    func testShapesOfShapeOnlyLayers() throws {
        let image: [[Int]] = [[6, 5, 4]]
        func shape(_ cls: String, _ json: String, _ inputs: [[Int]] = image) throws -> [Int] {
            try LayerSpec(node: try node(cls, json)).outputShape(inputs, layer: "layer", className: cls)
        }
        XCTAssertEqual(try shape("ZeroPadding2D", #"{"padding": [[1, 2], [0, 3]]}"#), [9, 8, 4])
        XCTAssertEqual(try shape("ZeroPadding2D", #"{"padding": 2}"#), [10, 9, 4])
        XCTAssertEqual(try shape("ZeroPadding2D", #"{"padding": [1, 0]}"#), [8, 5, 4])
        XCTAssertEqual(try shape("Reshape", #"{"target_shape": [-1, 8]}"#), [15, 8])
        XCTAssertThrowsError(try shape("Reshape", #"{"target_shape": [7, -1]}"#))
        XCTAssertEqual(try shape("Flatten", "{}"), [120])
        XCTAssertEqual(try shape("GlobalMaxPooling2D", #"{"keepdims": true}"#), [1, 1, 4])
        XCTAssertEqual(
            try shape("MaxPooling2D", #"{"pool_size": [2, 2], "strides": null, "padding": "same"}"#), [3, 3, 4])
        XCTAssertEqual(
            try shape("AveragePooling2D", #"{"pool_size": 3, "strides": [1, 2], "padding": "valid"}"#), [4, 2, 4])
        XCTAssertEqual(try shape("Concatenate", #"{"axis": 1}"#, [[6, 5, 4], [2, 5, 4]]), [8, 5, 4])
        XCTAssertEqual(try shape("Concatenate", #"{"axis": -1}"#, [[6, 5, 4], [6, 5, 1]]), [6, 5, 5])
        XCTAssertThrowsError(try shape("Concatenate", #"{"axis": 0}"#, [[6, 5, 4], [6, 5, 4]]))
        XCTAssertThrowsError(try shape("Add", "{}", [[6, 5, 4], [6, 5, 3]]))
        XCTAssertEqual(
            try shape("Conv2D", #"{"filters": 7, "kernel_size": [3, 2], "strides": [2, 2], "padding": "valid"}"#),
            [2, 2, 7])
        XCTAssertEqual(
            try shape("DepthwiseConv2D", #"{"kernel_size": 3, "depth_multiplier": 3, "padding": "same"}"#), [6, 5, 12])
        XCTAssertEqual(try shape("Dense", #"{"units": 9}"#), [6, 5, 9])
    }

    func testParameterSlotsAsKerasCreatesThem() throws {
        func count(_ cls: String, _ json: String, _ input: [Int]) throws -> Int {
            try LayerSpec(node: try node(cls, json)).weightSlots([input]).reduce(0) { $0 + $1.shape.reduce(1, *) }
        }
        XCTAssertEqual(
            try count(
                "SeparableConv2D", #"{"filters": 16, "kernel_size": 3, "depth_multiplier": 2, "use_bias": true}"#,
                [8, 8, 4]), 3 * 3 * 4 * 2 + 8 * 16 + 16)
        XCTAssertEqual(
            try count("BatchNormalization", #"{"axis": -1, "center": false, "scale": true}"#, [5, 5, 6]), 3 * 6)
        XCTAssertEqual(try count("Dense", #"{"units": 3, "use_bias": false}"#, [10]), 30)
        XCTAssertEqual(try count("Rescaling", #"{"scale": [1, 2], "offset": 0}"#, [4, 4, 2]), 0)
    }

    func testRescalingPerChannel() throws {
        let layer = try FloatLayer(
            node: try node("Rescaling", #"{"scale": [2, 3], "offset": [1, -1]}"#), inputShapes: [[2, 2]])
        let out = try layer([Tensor(shape: [1, 2, 2], scalars: [1, 1, 2, 2])])
        XCTAssertEqual(out.scalars, [3, 2, 5, 5])
    }

    func testRefusedConfigsAreExplained() throws {
        func refusal(_ cls: String, _ json: String) -> String {
            do {
                _ = try LayerSpec(node: try node(cls, json, name: "odd_layer"))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let conv = #""filters": 4, "kernel_size": 3"#
        XCTAssertTrue(refusal("Conv2D", "{\(conv), \"dilation_rate\": [2, 2]}").contains("dilation_rate"))
        XCTAssertTrue(refusal("Conv2D", "{\(conv), \"groups\": 2}").contains("groups"))
        XCTAssertTrue(refusal("Conv2D", "{\(conv), \"data_format\": \"channels_first\"}").contains("channels_last"))
        XCTAssertTrue(refusal("Conv2D", "{\(conv), \"padding\": \"causal\"}").contains("causal"))
        XCTAssertTrue(refusal("Conv2D", #"{"kernel_size": 3}"#).contains("filters"))
        XCTAssertTrue(refusal("BatchNormalization", #"{"axis": [1, 2]}"#).contains("axis"))
        let lambda = refusal("Lambda", #"{"function": ["4wEAAAAA", null, null]}"#)
        XCTAssertTrue(lambda.contains("'odd_layer'") && lambda.contains("never executes"))
        let gru = refusal("GRU", #"{"units": 4}"#)
        XCTAssertTrue(gru.contains("'odd_layer'") && gru.contains("(GRU)") && gru.contains("SeparableConv2D"))
        for cls in LayerSpec.supportedClasses where cls != "InputLayer" {
            XCTAssertFalse(
                refusal(cls, #"{"filters": 2, "kernel_size": 1, "units": 2, "target_shape": [2]}"#).contains(
                    "not supported by the float engine"), cls)
        }
    }

    func testWeightsAreCheckedAgainstTheLayer() throws {
        let json = #"{"units": 2, "use_bias": true}"#
        let kernel = NamedWeight(name: "layer/kernel:0", array: NDArray(Tensor<Float>(shape: [3, 2], repeating: 1)))
        let bias = NamedWeight(name: "layer/bias:0", array: NDArray(Tensor<Float>(shape: [2], scalars: [0, 1])))
        let dense = try FloatLayer(node: try node("Dense", json, weights: [kernel, bias]), inputShapes: [[3]])
        XCTAssertEqual(try dense([Tensor(shape: [1, 3], scalars: [1, 2, 3])]).scalars, [6, 7])
        XCTAssertEqual(dense.parameterCount, 8)
        XCTAssertThrowsError(try FloatLayer(node: try node("Dense", json, weights: [kernel]), inputShapes: [[3]])) {
            XCTAssertTrue("\($0)".contains("missing variable 'bias'"))
        }
        XCTAssertThrowsError(
            try FloatLayer(node: try node("Dense", json, weights: [kernel, bias]), inputShapes: [[4]])
        ) {
            XCTAssertTrue("\($0)".contains("[3, 2]") && "\($0)".contains("[4, 2]"))
        }
        // Calls with the wrong input shape are refused, not computed.
        XCTAssertThrowsError(try dense([Tensor(shape: [1, 4], repeating: 0)]))
    }

    func testGraphAssembledInCodeRuns() throws {
        // input(4) → dense(2, relu) → softmax; a transform's graph needs no model_config.
        let input = GraphNode(
            name: "input", className: "InputLayer",
            config: try config(#"{"batch_input_shape": [null, 4], "dtype": "int8"}"#), inputs: [], weights: [])
        let kernel = NamedWeight(
            name: "d/kernel:0", array: NDArray(Tensor<Float>(shape: [4, 2], scalars: [1, 0, 1, 0, 0, 1, 0, 1])))
        let dense = GraphNode(
            name: "d", className: "Dense",
            config: try config(#"{"units": 2, "use_bias": false, "activation": "relu"}"#),
            inputs: [TensorRef(layer: "input")], weights: [kernel])
        let softmax = GraphNode(
            name: "s", className: "Softmax", config: try config(#"{"axis": -1}"#),
            inputs: [TensorRef(layer: "d")], weights: [])
        let graph = LayerGraph(
            modelClass: "Functional", name: "tiny", nodes: [input, dense, softmax], inputs: ["input"],
            outputs: [TensorRef(layer: "s")])
        let model = try FloatModel(graph: graph)
        let x = NDArray(Tensor<Int64>(shape: [2, 4], scalars: [1, 1, 2, 2, -3, -3, 5, 5]), dtype: .int8)
        let (outputs, captured) = try model.forward(try model.prepareInputs([x]), capture: ["d"])
        XCTAssertEqual(captured["d"]?.scalars, [2, 4, 0, 10])
        XCTAssertEqual(outputs[0].shape, [2, 2])
        XCTAssertEqual(outputs[0].scalars[0] + outputs[0].scalars[1], 1, accuracy: 1e-6)
        XCTAssertEqual(outputs[0].scalars[2], 0, accuracy: 1e-4)
        let summary = try KerasSummary.text(graph: graph)
        XCTAssertTrue(summary.contains(" d (Dense)") && summary.contains("Total params: 8 (32.00 Byte)"))
        XCTAssertThrowsError(
            try model.predict([NDArray(Tensor<Int64>(shape: [1, 4], scalars: [200, 0, 0, 0]), dtype: .int16)]))
    }
}
