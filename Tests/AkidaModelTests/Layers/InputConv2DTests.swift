// InputConv2D (reference 7.5, 7.6): cross-correlation on the uint8 model input, padding values,
// bias before the buffer_bits saturation.
import AkidaModel
import XCTest

final class InputConv2DTests: XCTestCase {
    private func inputConv(
        kernel: Int, shape: [Int], weights: [Int32], params: [String: Int] = [:],
        variables: [String: AkidaVariable] = [:], outputShape: [Int]
    ) throws -> AkidaLayer {
        var vars = variables
        vars["weights"] = try ints(.int8, [kernel, kernel, shape[2], 1], weights)
        let p = [
            "filters": 1, "kernel_size": kernel, "kernel_stride": 1, "input_channels": shape[2],
            "input_x": shape[0], "input_y": shape[1],
        ]
        return AkidaLayer(
            name: "conv", type: .inputConv2D, parameters: v2Parameters(p.merging(params) { $1 }),
            variables: vars, inbounds: [], inputShapes: [shape], outputShape: outputShape)
    }

    func testKernelIsACrossCorrelation() throws {
        let layer = try inputConv(
            kernel: 3, shape: [5, 5, 1], weights: [1] + [Int32](repeating: 0, count: 8),
            outputShape: [3, 3, 1])
        let out = try AkidaSimulator(model: model([layer]))
            .forward(batch([(0..<25).map { Int32($0) }], shape: [5, 5, 1], dtype: .uint8))
        XCTAssertEqual(out.integers, [0, 1, 2, 5, 6, 7, 10, 11, 12])
    }

    func testBiasIsAddedBeforeTheBufferSaturation() throws {
        // bb 8, bias -100: sat8(x - 100) for x = 100, 120, 200, 255.
        let layer = try inputConv(
            kernel: 1, shape: [1, 4, 1], weights: [1], params: ["buffer_bits": 8],
            variables: ["bias": try ints(.int8, [1], [-100])], outputShape: [1, 4, 1])
        let out = try AkidaSimulator(model: model([layer]))
            .forward(batch([[100, 120, 200, 255]], shape: [1, 4, 1], dtype: .uint8))
        XCTAssertEqual(out.integers, [0, 20, 100, 127])
    }

    func testSamePaddingUsesThePaddingValue() throws {
        // One pixel x under a 3×3 kernel of ones: x + 8 padded positions of value 2.
        let layer = try inputConv(
            kernel: 3, shape: [1, 1, 1], weights: [Int32](repeating: 1, count: 9),
            params: ["padding": 1],
            variables: ["padding_value": try ints(.uint8, [1], [2])], outputShape: [1, 1, 1])
        let out = try AkidaSimulator(model: model([layer])).forward(batch([[5]], shape: [1, 1, 1], dtype: .uint8))
        XCTAssertEqual(out.integers, [21])
        XCTAssertEqual(AkidaLayerType.inputConv2D.definition.summaryRow(layer).kernelShapes, [[3, 3, 1, 1]])
    }

    func testInt8InputsAreRefused() throws {
        let layer = try inputConv(kernel: 1, shape: [1, 1, 1], weights: [1], outputShape: [1, 1, 1])
        XCTAssertThrowsError(try AkidaSimulator(model: model([layer])).forward(batch([[5]], shape: [1, 1, 1]))) {
            XCTAssertEqual("\($0)", "Unsupported input type int8. Input type should be uint8.")
        }
    }
}
