// Concatenate (reference 7.8): channels joined in inbound order, spatial dimensions equal.
import AkidaModel
import XCTest

final class ConcatenateTests: XCTestCase {
    private func concatenate(_ inbounds: [String], _ inputShapes: [[Int]], _ outputShape: [Int]) -> AkidaLayer {
        AkidaLayer(
            name: "cat", type: .concatenate, parameters: [:], variables: [:], inbounds: inbounds,
            inputShapes: inputShapes, outputShape: outputShape)
    }

    func testChannelsJoinInInboundOrder() throws {
        let m = try model([
            inputData([1, 2, 2]), concatenate(["input", "input"], [[1, 2, 2], [1, 2, 2]], [1, 2, 4]),
        ])
        let out = try AkidaSimulator(model: m).forward(batch([[3, -4, 5, 6]], shape: [1, 2, 2]))
        XCTAssertEqual(out.integers, [3, -4, 3, -4, 5, 6, 5, 6])
        XCTAssertEqual(out.dtype, .int8)
    }

    func testSpatialDimensionsMustAgree() throws {
        let dense = AkidaLayer(
            name: "d", type: .dense1D, parameters: v2Parameters(["units": 1]),
            variables: ["weights": try ints(.int8, [4, 1], [1, 1, 1, 1])],
            inbounds: ["input"], inputShapes: [[2, 2, 1]], outputShape: [1, 1, 1])
        let cat = concatenate(["input", "d"], [[2, 2, 1], [1, 1, 1]], [2, 2, 2])
        XCTAssertEqual(AkidaLayerType.concatenate.definition.summaryRow(cat).kernelShapes, [])
        XCTAssertEqual(
            compileError(try model([inputData([2, 2, 1]), dense, cat])),
            "layer 'cat': Concatenate inputs must have the same spatial dimensions, got [[2, 2, 1], [1, 1, 1]]")
    }
}
