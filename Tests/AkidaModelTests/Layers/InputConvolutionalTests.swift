// InputConvolutional (reference 8.2, 8.3): the Akida 1.0 input layer on uint8 images, with the
// threshold and act_step activation.
import AkidaModel
import XCTest

final class InputConvolutionalTests: XCTestCase {
    private func inputConv(params: [String: Int] = [:], threshold: Int32 = 0, actStep: Float = 1) throws -> AkidaLayer {
        let p = ["input_channels": 1, "input_height": 16, "input_width": 1, "padding_value": 0]
        return AkidaLayer(
            name: "conv", type: .inputConvolutional, parameters: v1Parameters(p.merging(params) { $1 }),
            variables: [
                "weights": try ints(.int8, [1, 1, 1, 1], [1]), "threshold": try ints(.int32, [1], [threshold]),
                "act_step": try floats([1], [actStep]),
            ],
            inbounds: [], inputShapes: [[1, 16, 1]], outputShape: [1, 16, 1])
    }

    func testThresholdShiftsTheActivationLevels() throws {
        // act_bits 4, threshold 5, step 1: level = clamp(ceil(v - 5), 0, 15).
        let out = try AkidaSimulator(model: model([try inputConv(threshold: 5)], .v1)).forward(ramp16)
        XCTAssertEqual(out.dtype, .uint8)
        XCTAssertEqual(out.integers, [0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    }

    func testSummaryRowAndActBits() throws {
        let layer = try inputConv(params: ["act_bits": 9])
        XCTAssertEqual(AkidaLayerType.inputConvolutional.definition.summaryRow(layer).type, "InputConv.")
        XCTAssertEqual(compileError(try model([layer], .v1)), "layer 'conv': act_bits 9 must be in 1...8")
    }
}
