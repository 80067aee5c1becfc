// Add (reference 7.7): shifted inputs saturated to buffer_bits, then the output shift. The second
// operand is the input negated (or copied) by a one-weight Dense1D.
import AkidaModel
import XCTest

final class AddTests: XCTestCase {
    private func copy(weight: Int32) throws -> AkidaLayer {
        AkidaLayer(
            name: "b", type: .dense1D, parameters: v2Parameters(["units": 1]),
            variables: ["weights": try ints(.int8, [1, 1], [weight])],
            inbounds: ["input"], inputShapes: [[1, 1, 1]], outputShape: [1, 1, 1])
    }

    private func add(
        bufferBits: Int, aShift: Int32, outputShift: Int32, inbounds: [String] = ["input", "b"]
    ) throws
        -> AkidaLayer
    {
        AkidaLayer(
            name: "add", type: .add,
            parameters: ["buffer_bits": bufferBits, "output_bits": 8, "post_op_buffer_bits": 32],
            variables: [
                "a_shift": try ints(.uint8, [1], [aShift]), "b_shift": try ints(.uint8, [1], [0]),
                "output_shift": try ints(.int8, [1], [outputShift]),
            ],
            inbounds: inbounds, inputShapes: [[1, 1, 1], [1, 1, 1]], outputShape: [1, 1, 1])
    }

    func testShiftedInputsSaturateToBufferBits() throws {
        // bb 8, a << 1: (100, -100) → sat8(200) - 100 = 27; (-100, 100) → -128 + 100 = -28; (-1, 1) → -1.
        let m = try model([
            inputData([1, 1, 1]), try copy(weight: -1), try add(bufferBits: 8, aShift: 1, outputShift: 0),
        ])
        let out = try AkidaSimulator(model: m).forward(batch([[100], [-100], [-1]], shape: [1, 1, 1]))
        XCTAssertEqual(out.integers, [27, -28, -1])
        XCTAssertEqual(out.dtype, .int8)
    }

    func testOutputShiftRoundsHalfUp() throws {
        // bb 32, shift -1: (1, 1) → 1; (3, 3) → 3; (100, 100) → 100; (-3, -3) → -3.
        let m = try model([
            inputData([1, 1, 1]), try copy(weight: 1), try add(bufferBits: 32, aShift: 0, outputShift: -1),
        ])
        let out = try AkidaSimulator(model: m).forward(batch([[1], [3], [100], [-3]], shape: [1, 1, 1]))
        XCTAssertEqual(out.integers, [1, 3, 100, -3])
    }

    func testSummaryRowAndInboundCount() throws {
        let single = try add(bufferBits: 8, aShift: 0, outputShift: 0, inbounds: ["input"])
        XCTAssertEqual(AkidaLayerType.add.definition.summaryRow(single).type, "Add")
        XCTAssertEqual(
            compileError(try model([inputData([1, 1, 1]), single])),
            "layer 'add': Add expects 2 inbound layer(s), has 1")
    }
}
