import KerasGraph
import Tensors
// The registry table: one type per class name, the supported list users see, the engine-wide
// shape entry and the one "is quantized" predicate.
import XCTest

final class LayerRegistryTests: XCTestCase {
    func testSupportedClassesInTheirListedOrder() {
        XCTAssertEqual(
            LayerRegistry.supportedClasses,
            [
                "InputLayer", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense", "BatchNormalization", "ReLU",
                "Activation", "Softmax", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
                "GlobalMaxPooling2D", "Flatten", "Reshape", "Dropout", "SpatialDropout1D", "Rescaling",
                "ZeroPadding2D", "Add", "Concatenate", "Multiply", "Normalization", "TFOpLambda", "Conv2DTranspose",
                "DepthwiseConv2DTranspose", "Kernelized", "Stride", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
                "StatefulProjection", "StatefulRecurrent", "ExtractToken", "Conv3D", "ZeroPadding3D",
                "AveragePooling3D", "ActivityRegularization", "BufferTempConv", "DepthwiseBufferTempConv",
            ])
        XCTAssertEqual(LayerSpec.supportedClasses, LayerRegistry.supportedClasses)
    }

    func testUnknownClassesListTheSupportedOnes() {
        let text = LayerTest.error("GRU", #"{"units": 4}"#)
        XCTAssertTrue(text.contains("'odd_layer' (GRU)") && text.contains("supported layers: InputLayer, Conv2D"), text)
        XCTAssertThrowsError(try LayerTest.registryShape("Cropping2D", "{}", [[4, 4, 1]])) {
            guard case GraphError.unsupported(let layer, let cls, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(layer, "layer")
            XCTAssertEqual(cls, "Cropping2D")
        }
    }

    func testRegistryShapeChecksSizesLikeTheFloatEngine() {
        XCTAssertThrowsError(try LayerTest.registryShape("Dense", #"{"units": 2}"#, [[1 << 20, 1 << 20]])) {
            XCTAssertTrue("\($0)".contains("larger than"))
        }
    }

    func testQuantizedClasses() {
        for cls in [
            "Custom>QuantizedConv2D", "QuantizedDense", "Custom>InputQuantizer", "Custom>Dequantizer",
            "ActivationDiscreteRelu", "QuantizedReLU",
        ] {
            XCTAssertTrue(LayerRegistry.isQuantizedClass(cls), cls)
        }
        for cls in ["Conv2D", "InputLayer", "ReLU", "Custom>PaddedConv2D", "Quantizer"] {
            XCTAssertFalse(LayerRegistry.isQuantizedClass(cls), cls)
        }
    }

    func testGraphIsQuantizedWhenOneLayerIs() throws {
        let input = try LayerTest.node("InputLayer", #"{"batch_input_shape": [null, 2]}"#, inputs: 0)
        let dense = try LayerTest.node("Dense", #"{"units": 1}"#)
        let dequantizer = try LayerTest.node("Custom>Dequantizer", "{}")
        func graph(_ nodes: [GraphNode]) -> LayerGraph {
            LayerGraph(
                modelClass: "Functional", name: "m", nodes: nodes, inputs: ["input0"],
                outputs: [TensorRef(layer: nodes.last?.name ?? "")])
        }
        XCTAssertFalse(graph([input, dense]).isQuantized)
        XCTAssertTrue(graph([input, dequantizer]).isQuantized)
    }
}

extension LayerRegistryTests {
    func testGraphShapesSkipWhatCannotBeTold() throws {
        let nodes = [
            try LayerTest.node("InputLayer", #"{"batch_shape": [null, 4, 4, 2]}"#, name: "in", inputs: 0),
            GraphNode(
                name: "conv", className: "Custom>QuantizedConv2D",
                config: try JSONValue(parsing: #"{"filters": 3, "kernel_size": 3, "padding_value": [0.0]}"#),
                inputs: [TensorRef(layer: "in")], weights: []),
            GraphNode(
                name: "crop", className: "Cropping2D", config: try JSONValue(parsing: "{}"),
                inputs: [TensorRef(layer: "conv")], weights: []),
            GraphNode(
                name: "flat", className: "Flatten", config: try JSONValue(parsing: "{}"),
                inputs: [TensorRef(layer: "crop")], weights: []),
        ]
        let graph = LayerGraph(
            modelClass: "Functional", name: "m", nodes: nodes, inputs: ["in"],
            outputs: [TensorRef(layer: "flat")])
        XCTAssertEqual(LayerRegistry.outputShapes(of: graph), ["in": [4, 4, 2], "conv": [4, 4, 3]])
    }
}
