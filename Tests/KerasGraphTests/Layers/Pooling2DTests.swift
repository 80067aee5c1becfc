// Tests of the Pooling2D layer type: decoding, output shape (float and quantized class names), errors naming the
// layer, a tiny forward
import KerasGraph
import Tensors
import XCTest

final class Pooling2DTests: XCTestCase {
    func testDecodeAndShape() throws {
        let max = try LayerTest.decode(Pooling2DLayer.self, "MaxPool2D", #"{"pool_size": 2, "strides": null}"#)
        XCTAssertEqual(max.kind, .max)
        XCTAssertEqual(max.strides, [2, 2])
        let avg = try LayerTest.decode(Pooling2DLayer.self, "AvgPool2D", #"{"pool_size": 3, "strides": 1}"#)
        XCTAssertEqual(avg.kind, .average)
        XCTAssertEqual(
            try LayerTest.shape("MaxPooling2D", #"{"pool_size": 2, "padding": "same"}"#, [[5, 5, 3]]),
            [3, 3, 3])
        XCTAssertEqual(
            try LayerTest.registryShape("Custom>QuantizedMaxPool2D", #"{"pool_size": 2}"#, [[5, 5, 3]]),
            [2, 2, 3])
        XCTAssertEqual(
            try LayerTest.registryShape("AveragePooling2D", #"{"pool_size": 2}"#, [[4, 4, 1]]),
            [2, 2, 1])
        // QuantizeML 1.2.5 has no quantized average pooling: the class is unknown.
        XCTAssertThrowsError(
            try LayerTest.registryShape("Custom>QuantizedAveragePooling2D", #"{"pool_size": 2}"#, [[4, 4, 1]])
        ) { XCTAssertTrue("\($0)".contains("no output shape rule"), "\($0)") }
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("MaxPooling2D", #"{"pool_size": 5}"#)
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("does not fit a 4x4 input"), text)
        XCTAssertTrue(LayerTest.error("AveragePooling2D", #"{"padding": "causal"}"#).contains("'causal'"))
    }

    func testForward() throws {
        let x = Tensor<Float>(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 6])
        XCTAssertEqual(try LayerTest.run("MaxPooling2D", #"{"pool_size": 2}"#, [x]).scalars, [6])
        XCTAssertEqual(try LayerTest.run("AveragePooling2D", #"{"pool_size": 2}"#, [x]).scalars, [3])
    }
}
