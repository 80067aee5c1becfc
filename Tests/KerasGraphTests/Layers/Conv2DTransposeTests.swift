// Tests of the Conv2DTranspose layer type: decoding, Keras output lengths, the kernel layout,
// a tiny forward checked by hand, and the refused options naming the layer
import KerasGraph
import Tensors
import XCTest

final class Conv2DTransposeTests: XCTestCase {
    let same = #"{"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "use_bias": true}"#

    func testDecodeAndShape() throws {
        let layer = try LayerTest.decode(Conv2DTransposeLayer.self, "Conv2DTranspose", same)
        XCTAssertEqual(layer.filters, 2)
        XCTAssertEqual(layer.strides, [2, 2])
        XCTAssertEqual(try LayerTest.shape("Conv2DTranspose", same, [[4, 3, 5]]), [8, 6, 2])
        let valid = #"{"filters": 1, "kernel_size": 4, "strides": 2, "padding": "valid"}"#
        XCTAssertEqual(try LayerTest.shape("Conv2DTranspose", valid, [[4, 3, 5]]), [10, 8, 1])
        XCTAssertEqual(LayerSpec(layer).weightSlots([[4, 3, 5]]).map(\.shape), [[3, 3, 2, 5], [2]])
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedConv2DTranspose", same, [[4, 4, 1]]), [8, 8, 2])
    }

    func testForwardScattersEachInputOverTheKernel() throws {
        // 2x2 kernel of ones, stride 2, valid: each input value fills its own 2x2 block.
        let cfg = #"{"filters": 1, "kernel_size": 2, "strides": 2, "padding": "valid", "use_bias": false}"#
        let out = try LayerTest.run(
            "Conv2DTranspose", cfg, [Tensor(shape: [1, 1, 2, 1], scalars: [1, 2])],
            weights: ["kernel": Tensor(shape: [2, 2, 1, 1], repeating: 1)])
        XCTAssertEqual(out.shape, [1, 2, 4, 1])
        XCTAssertEqual(out.scalars, [1, 1, 2, 2, 1, 1, 2, 2])
        // 3x3 'same', stride 2: output 2i + k - 0 takes input i, overlapping on even positions.
        let s = #"{"filters": 1, "kernel_size": 3, "strides": 2, "padding": "same", "use_bias": false}"#
        let row = try LayerTest.run(
            "Conv2DTranspose", s, [Tensor(shape: [1, 1, 2, 1], scalars: [1, 10])],
            weights: ["kernel": Tensor(shape: [3, 3, 1, 1], repeating: 1)])
        XCTAssertEqual(row.shape, [1, 2, 4, 1])
        XCTAssertEqual(Array(row.scalars.prefix(4)), [1, 1, 11, 10])
    }

    func testRefusedOptionsNameTheLayer() {
        let padded = LayerTest.error(
            "Conv2DTranspose", #"{"filters": 1, "kernel_size": 3, "strides": 2, "output_padding": [1, 1]}"#)
        XCTAssertTrue(padded.contains("'odd_layer'") && padded.contains("output_padding"), padded)
        let dilated = LayerTest.error("Conv2DTranspose", #"{"filters": 1, "kernel_size": 3, "dilation_rate": 2}"#)
        XCTAssertTrue(dilated.contains("dilation_rate"), dilated)
    }
}
