// Tests of the volume layer types of the Conv3D-form spatio-temporal TENNs (Conv3D, ZeroPadding3D,
// AveragePooling3D, ActivityRegularization): decoding, shapes, errors naming the layer, tiny forwards
// computed by hand.
import KerasGraph
import Tensors
import XCTest

final class Conv3DTests: XCTestCase {
    func testShapesAndWeightSlots() throws {
        let json = #"{"filters": 6, "kernel_size": [3, 3, 3], "strides": [1, 2, 2], "padding": "same"}"#
        XCTAssertEqual(try LayerTest.shape("Conv3D", json, [[4, 8, 8, 2]]), [4, 4, 4, 6])
        let grouped = try LayerTest.decode(
            Conv3DLayer.self, "Conv3D", #"{"filters": 4, "kernel_size": [5, 1, 1], "groups": 4, "use_bias": false}"#)
        XCTAssertEqual(grouped.weightSlots([[6, 2, 2, 4]]).map(\.shape), [[5, 1, 1, 1, 4]])
        XCTAssertEqual(
            try LayerTest.shape("ZeroPadding3D", #"{"padding": [[4, 0], [0, 0], [1, 1]]}"#, [[2, 3, 3, 5]]),
            [6, 3, 5, 5])
        XCTAssertEqual(
            try LayerTest.shape("AveragePooling3D", #"{"pool_size": [1, 4, 4]}"#, [[3, 4, 4, 8]]), [3, 1, 1, 8])
        XCTAssertEqual(try LayerTest.shape("ActivityRegularization", #"{"l1": 1e-8}"#, [[3, 4, 4, 8]]), [3, 4, 4, 8])
    }

    func testErrorsNameTheLayer() {
        let text = LayerTest.error("Conv3D", #"{"filters": 2, "kernel_size": 3}"#, [[4, 4, 2]])
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("(time, height, width, channels)"), text)
        let dilated = LayerTest.error("Conv3D", #"{"filters": 2, "kernel_size": 1, "dilation_rate": [2, 1, 1]}"#)
        XCTAssertTrue(dilated.contains("dilation_rate"), dilated)
        let groups = LayerTest.error("Conv3D", #"{"filters": 4, "kernel_size": 1, "groups": 3}"#)
        XCTAssertTrue(groups.contains("groups"), groups)
    }

    func testForwardFullAndGrouped() throws {
        // Two frames of (1, 1, 2) through a (2, 1, 1, 2, 1) kernel: 1·1 + 2·10 + 3·100 + 4·1000.
        let full = try LayerTest.run(
            "Conv3D", #"{"filters": 1, "kernel_size": [2, 1, 1], "use_bias": false}"#,
            [Tensor(shape: [1, 2, 1, 1, 2], scalars: [1, 2, 3, 4])],
            weights: ["kernel": Tensor(shape: [2, 1, 1, 2, 1], scalars: [1, 10, 100, 1000])])
        XCTAssertEqual(full.shape, [1, 1, 1, 1, 1])
        XCTAssertEqual(full.scalars, [4321])
        // groups = channels = filters: each channel times its own weight, plus the bias.
        let grouped = try LayerTest.run(
            "Conv3D", #"{"filters": 2, "kernel_size": 1, "groups": 2}"#,
            [Tensor(shape: [1, 1, 1, 1, 2], scalars: [5, 7])],
            weights: [
                "kernel": Tensor(shape: [1, 1, 1, 1, 2], scalars: [2, 3]),
                "bias": Tensor(shape: [2], scalars: [1, -1]),
            ])
        XCTAssertEqual(grouped.scalars, [11, 20])
    }

    func testPaddingAndPoolingForward() throws {
        let padded = try LayerTest.run(
            "ZeroPadding3D", #"{"padding": [[1, 0], [0, 0], [0, 1]]}"#, [Tensor(shape: [1, 1, 1, 1, 1], scalars: [7])])
        XCTAssertEqual(padded.shape, [1, 2, 1, 2, 1])
        XCTAssertEqual(padded.scalars, [0, 0, 7, 0])
        let pooled = try LayerTest.run(
            "AveragePooling3D", #"{"pool_size": [1, 2, 2]}"#, [Tensor(shape: [1, 1, 2, 2, 1], scalars: [1, 2, 3, 4])])
        XCTAssertEqual(pooled.scalars, [2.5])
        // 'same' averages over the cells inside the volume only, as TensorFlow does.
        let same = try LayerTest.run(
            "AveragePooling3D", #"{"pool_size": [1, 1, 2], "strides": [1, 1, 1], "padding": "same"}"#,
            [Tensor(shape: [1, 1, 1, 2, 1], scalars: [2, 6])])
        XCTAssertEqual(same.scalars, [4, 6])
    }

    func testStreamingLayersRunTheFirstTimeStep() throws {
        // A fresh FIFO holds only the sample, in the newest slot: only the last slot's kernel rows count.
        let conv = try LayerTest.run(
            "BufferTempConv", #"{"filters": 1, "kernel_size": 2, "use_bias": true}"#,
            [Tensor(shape: [1, 1, 1, 2], scalars: [5, 7])],
            weights: [
                "kernel": Tensor(shape: [1, 1, 4, 1], scalars: [9, 9, 2, 3]), "bias": Tensor(shape: [1], scalars: [1]),
            ])
        XCTAssertEqual(conv.scalars, [32])
        let depthwise = try LayerTest.run(
            "DepthwiseBufferTempConv", #"{"kernel_size": 2}"#, [Tensor(shape: [1, 1, 1, 2], scalars: [5, 7])],
            weights: ["kernel": Tensor(shape: [2, 2], scalars: [9, 9, 2, 3])])
        XCTAssertEqual(depthwise.scalars, [10, 21])
    }
}
