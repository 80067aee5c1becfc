// Dense1D (reference 7.5): row-major flattening and output scaling rounded half up.
import AkidaModel
import XCTest

final class Dense1DTests: XCTestCase {
    private func dense(
        inputShape: [Int], weights: [Int32], weightShape: [Int]? = nil, params: [String: Int] = [:],
        variables: [String: AkidaVariable] = [:]
    ) throws -> AkidaLayer {
        let n = inputShape.reduce(1, *)
        var vars = variables
        vars["weights"] = try ints(.int8, weightShape ?? [n, 1], weights)
        return AkidaLayer(
            name: "dense", type: .dense1D, parameters: v2Parameters(["units": 1].merging(params) { $1 }),
            variables: vars, inbounds: ["input"], inputShapes: [inputShape], outputShape: [1, 1, 1])
    }

    func testFlattensRowMajor() throws {
        // x = [1, 2, 3, 4] in (D0, D1, C) order, weights [1, 2, 4, 8]: 1 + 4 + 12 + 32.
        let layer = try dense(inputShape: [1, 2, 2], weights: [1, 2, 4, 8])
        let out = try AkidaSimulator(model: model([inputData([1, 2, 2]), layer])).forward(
            batch([[1, 2, 3, 4]], shape: [1, 2, 2]))
        XCTAssertEqual(out.integers, [49])
    }

    func testOutputScalingRoundsHalfUp() throws {
        // pob 16, scale 255, shift -8: 127 · 255 / 256 = 126.5 → 127; -128 · 255 / 256 = -127.5 → -127.
        let layer = try dense(
            inputShape: [1, 1, 1], weights: [1], params: ["post_op_buffer_bits": 16],
            variables: ["output_scales": try ints(.uint8, [1], [255]), "output_shift": try ints(.int8, [1], [-8])])
        let out = try AkidaSimulator(model: model([inputData([1, 1, 1]), layer])).forward(
            batch([[127], [-128]], shape: [1, 1, 1]))
        XCTAssertEqual(out.integers, [127, -127])
    }

    func testSummaryRowAndWeightShape() throws {
        let layer = try dense(inputShape: [1, 2, 2], weights: [1, 1, 1], weightShape: [3, 1])
        XCTAssertEqual(AkidaLayerType.dense1D.definition.summaryRow(layer).kernelShapes, [[3, 1]])
        XCTAssertEqual(
            compileError(try model([inputData([1, 2, 2]), layer])),
            "layer 'dense': weights shape [3, 1] must be [4, 1] for input [1, 2, 2]")
    }
}
