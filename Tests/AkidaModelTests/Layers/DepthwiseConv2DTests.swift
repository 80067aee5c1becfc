// DepthwiseConv2D (reference 7.5): per-channel kernels, ReLU clip at max_value << max_value_shift,
// global average pooling as a plain sum.
import AkidaModel
import XCTest

final class DepthwiseConv2DTests: XCTestCase {
    private func depthwise(
        shape: [Int], params: [String: Int] = [:], variables: [String: AkidaVariable] = [:],
        weightShape: [Int] = [1, 1, 1, 1], outputShape: [Int]
    ) throws -> AkidaLayer {
        var vars = variables
        vars["weights"] = try ints(.int8, weightShape, [Int32](repeating: 1, count: weightShape.reduce(1, *)))
        return AkidaLayer(
            name: "dw", type: .depthwiseConv2D,
            parameters: v2Parameters(["kernel_size": 1, "kernel_stride": 1].merging(params) { $1 }),
            variables: vars, inbounds: ["input"], inputShapes: [shape], outputShape: outputShape)
    }

    func testReluClipsAtTheShiftedMaxValue() throws {
        // ReLU, max_value 5 << 1: [0, 1, -1, 3, 20, -20] → [0, 1, 0, 3, 10, 0].
        let layer = try depthwise(
            shape: [1, 6, 1], params: ["activation": 1],
            variables: ["max_value": try ints(.uint8, [1], [5]), "max_value_shift": try ints(.uint8, [1], [1])],
            outputShape: [1, 6, 1])
        let out = try AkidaSimulator(model: model([inputData([1, 6, 1]), layer]))
            .forward(batch([[0, 1, -1, 3, 20, -20]], shape: [1, 6, 1]))
        XCTAssertEqual(out.integers, [0, 1, 0, 3, 10, 0])
    }

    func testGlobalAveragePoolingSumsAfterRelu() throws {
        // [[-10, 3], [5, 7]]: 5 without ReLU, 15 with ReLU.
        for (relu, expected) in [(0, Int32(5)), (1, 15)] {
            let layer = try depthwise(
                shape: [2, 2, 1], params: ["activation": relu, "pool_type": 2],
                outputShape: [1, 1, 1])
            let out = try AkidaSimulator(model: model([inputData([2, 2, 1]), layer]))
                .forward(batch([[-10, 3, 5, 7]], shape: [2, 2, 1]))
            XCTAssertEqual(out.integers, [expected], "activation \(relu)")
        }
    }

    func testSummaryRowAndWeightShape() throws {
        let layer = try depthwise(shape: [1, 1, 1], weightShape: [1, 1, 1, 2], outputShape: [1, 1, 1])
        XCTAssertEqual(AkidaLayerType.depthwiseConv2D.definition.summaryRow(layer).type, "DepthwiseConv2D")
        XCTAssertEqual(
            compileError(try model([inputData([1, 1, 1]), layer])),
            "layer 'dw': weights shape [1, 1, 1, 2] must be [1, 1, 1, 1]")
    }
}
