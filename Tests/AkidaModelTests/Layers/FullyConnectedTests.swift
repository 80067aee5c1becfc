// FullyConnected (reference 8.2): weights over the column-major flattened input.
import AkidaModel
import XCTest

final class FullyConnectedTests: XCTestCase {
    private func dense(weightShape: [Int] = [1, 1, 4, 1]) throws -> AkidaLayer {
        AkidaLayer(
            name: "fc", type: .fullyConnected,
            parameters: ["act_bits": 4, "activation": 0, "units": 1, "weights_bits": 8],
            variables: [
                "weights": try ints(.int8, weightShape, [1, 2, 4, 8]), "threshold": try ints(.int32, [1], [0]),
                "act_step": try floats([1], [1]),
            ],
            inbounds: ["input"], inputShapes: [[2, 1, 2]], outputShape: [1, 1, 1])
    }

    func testInputIsFlattenedColumnMajor() throws {
        // x[d0, 0, c] = [[1, 2], [3, 4]]; column-major order x[0,0,0], x[1,0,0], x[0,0,1], x[1,0,1]
        // = [1, 3, 2, 4] against [1, 2, 4, 8]: 1 + 6 + 8 + 32 = 47 (row-major would give 49).
        let sim = try AkidaSimulator(model: model([inputData([2, 1, 2], bits: 4), try dense()], .v1))
        let out = try sim.forward(batch([[1, 2, 3, 4]], shape: [2, 1, 2], dtype: .uint8))
        XCTAssertEqual(out.integers, [47])
        XCTAssertTrue(sim.canPredict)
    }

    func testSummaryRowAndWeightShape() throws {
        let layer = try dense(weightShape: [4, 1])
        XCTAssertEqual(AkidaLayerType.fullyConnected.definition.summaryRow(layer).type, "Fully.")
        XCTAssertEqual(
            compileError(try model([inputData([2, 1, 2], bits: 4), layer], .v1)),
            "layer 'fc': weights shape [4, 1] must be [1, 1, 4, 1] for input [2, 1, 2]")
    }
}
