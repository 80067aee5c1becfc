// Tests of the Conv2D layer type: decoding, output shape (float and quantized class names), errors naming the layer,
// a tiny forward
import KerasGraph
import Tensors
import XCTest

final class Conv2DTests: XCTestCase {
    let conv = #"{"filters": 2, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "use_bias": true}"#

    func testDecodeAndShape() throws {
        let layer = try LayerTest.decode(Conv2DLayer.self, "Conv2D", conv)
        XCTAssertEqual(layer.filters, 2)
        XCTAssertEqual(layer.kernel, [3, 3])
        XCTAssertEqual(layer.padding, .same)
        XCTAssertEqual(layer.activation, .linear)
        XCTAssertNil(layer.paddingValue)
        XCTAssertEqual(try LayerTest.shape("Conv2D", conv, [[5, 4, 3]]), [5, 4, 2])
        XCTAssertEqual(
            try LayerTest.shape(
                "Convolution2D", #"{"filters": 3, "kernel_size": 2, "strides": 2}"#,
                [[5, 4, 1]]), [2, 2, 3])
        XCTAssertEqual(LayerSpec(layer).weightSlots([[5, 4, 3]]).map(\.shape), [[3, 3, 3, 2], [2]])
    }

    func testPaddedConv2DPadsWithItsValue() throws {
        let padded = #"{"filters": 1, "kernel_size": 3, "padding": "valid", "use_bias": false, "padding_value": 1.0}"#
        let layer = try LayerTest.decode(Conv2DLayer.self, "PaddedConv2D", padded)
        XCTAssertEqual(layer.paddingValue, [1])
        XCTAssertEqual(layer.padding, .same)
        // A 1x1 input of 2 padded with ones, summed by a 3x3 kernel of ones: 2 + 8.
        let out = try LayerTest.run(
            "PaddedConv2D", padded, [Tensor(shape: [1, 1, 1, 1], scalars: [2])],
            weights: ["kernel": Tensor(shape: [3, 3, 1, 1], repeating: 1)])
        XCTAssertEqual(out.scalars, [10])
        let plain = try LayerTest.decode(Conv2DLayer.self, "PaddedConv2D", #"{"filters": 1, "kernel_size": 3}"#)
        XCTAssertNil(plain.paddingValue)
        XCTAssertTrue(
            LayerTest.error("PaddedConv2D", #"{"filters": 1, "kernel_size": 3, "padding_value": [1, 2, 3]}"#)
                .contains("3 padding values for 2 input channels"))
    }

    func testQuantizedVariantSharesTheShape() throws {
        // QuantizeML saves 'same' as 'valid' plus the padding value.
        let q = #"{"filters": 4, "kernel_size": 3, "strides": 2, "padding": "valid", "padding_value": [0.0]}"#
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedConv2D", q, [[8, 8, 3]]), [4, 4, 4])
        XCTAssertEqual(
            try LayerTest.registryShape(
                "QuantizedConv2D", #"{"filters": 4, "kernel_size": 3}"#,
                [[8, 8, 3]]), [6, 6, 4])
        XCTAssertThrowsError(try LayerTest.shape("QuantizedConv2D", q, [[8, 8, 3]]))
    }

    func testErrorsNameTheLayer() {
        let missing = LayerTest.error("Conv2D", #"{"kernel_size": 3}"#)
        XCTAssertTrue(missing.contains("'odd_layer'") && missing.contains("'filters'"), missing)
        let tooLarge = LayerTest.error("Conv2D", #"{"filters": 1, "kernel_size": 5}"#)
        XCTAssertTrue(tooLarge.contains("does not fit a 4x4 input"), tooLarge)
        XCTAssertTrue(
            LayerTest.error("Conv2D", #"{"filters": 1, "kernel_size": 1, "activation": "nope"}"#)
                .contains("activation 'nope' is not supported"))
    }

    func testForwardWithBiasAndActivation() throws {
        let json = #"{"filters": 1, "kernel_size": 1, "activation": "relu"}"#
        let x = Tensor<Float>(shape: [1, 1, 2, 2], scalars: [1, 2, -3, 1])
        let out = try LayerTest.run(
            "Conv2D", json, [x],
            weights: [
                "kernel": Tensor(shape: [1, 1, 2, 1], scalars: [1, 1]), "bias": Tensor(shape: [1], scalars: [0.5]),
            ])
        XCTAssertEqual(out.shape, [1, 1, 2, 1])
        XCTAssertEqual(out.scalars, [3.5, 0])
    }
}
