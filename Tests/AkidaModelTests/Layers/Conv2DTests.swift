// Conv2D (reference 7.5): flipped kernels, per-channel input shifts, bias after the buffer_bits
// saturation; summary row and parameter checks.
import AkidaModel
import XCTest

final class Conv2DTests: XCTestCase {
    private func conv(
        kernel: Int, inputShape: [Int], weights: [Int32], params: [String: Int] = [:],
        variables: [String: AkidaVariable] = [:], outputShape: [Int]
    ) throws -> AkidaLayer {
        var vars = variables
        vars["weights"] = try ints(.int8, [kernel, kernel, inputShape[2], 1], weights)
        return AkidaLayer(
            name: "conv", type: .conv2D,
            parameters: v2Parameters(["filters": 1, "kernel_size": kernel, "kernel_stride": 1].merging(params) { $1 }),
            variables: vars, inbounds: ["input"], inputShapes: [inputShape], outputShape: outputShape)
    }

    func testKernelIsATrueConvolution() throws {
        // A single 1 at W[0, 0] of a valid 3×3 kernel reads x[d0 + 2, d1 + 2] on the ramp 5·d0 + d1.
        let layer = try conv(
            kernel: 3, inputShape: [5, 5, 1], weights: [1] + [Int32](repeating: 0, count: 8),
            outputShape: [3, 3, 1])
        let out = try AkidaSimulator(model: model([inputData([5, 5, 1]), layer]))
            .forward(batch([(0..<25).map { Int32($0) }], shape: [5, 5, 1]))
        XCTAssertEqual(out.integers, [12, 13, 14, 17, 18, 19, 22, 23, 24])
    }

    func testInputShiftsPerChannel() throws {
        // Shifts [1, 3], weights 1: (1, 1) → 2 + 8; (3, -1) → 6 - 8; (-2, 5) → -4 + 40.
        let layer = try conv(
            kernel: 1, inputShape: [1, 1, 2], weights: [1, 1],
            variables: ["input_shift": try ints(.uint8, [2], [1, 3])], outputShape: [1, 1, 1])
        let out = try AkidaSimulator(model: model([inputData([1, 1, 2]), layer]))
            .forward(batch([[1, 1], [3, -1], [-2, 5]], shape: [1, 1, 2]))
        XCTAssertEqual(out.integers, [10, -2, 36])
    }

    func testBiasIsAddedAfterTheBufferSaturation() throws {
        // bb 8: x = 100 stays 100, plus bias 50 = 150 (not clipped by bb), output on 16 bits.
        let layer = try conv(
            kernel: 1, inputShape: [1, 1, 1], weights: [1],
            params: ["buffer_bits": 8, "output_bits": 16],
            variables: ["bias": try ints(.int8, [1], [50])], outputShape: [1, 1, 1])
        let out = try AkidaSimulator(model: model([inputData([1, 1, 1]), layer])).forward(
            batch([[100]], shape: [1, 1, 1]))
        XCTAssertEqual(out.dtype, .int16)
        XCTAssertEqual(out.integers, [150])
    }

    func testSummaryRowAndParameterChecks() throws {
        let layer = try conv(
            kernel: 3, inputShape: [3, 3, 1], weights: [Int32](repeating: 1, count: 9),
            outputShape: [1, 1, 1])
        XCTAssertEqual(
            AkidaLayerType.conv2D.definition.summaryRow(layer),
            AkidaSummaryLayer(name: "conv", type: "Conv2D", outputShape: [1, 1, 1], kernelShapes: [[3, 3, 1, 1]]))
        var lut = layer
        lut.parameters["activation"] = 2
        XCTAssertEqual(
            compileError(try model([inputData([3, 3, 1]), lut])),
            "layer 'conv': activation 2 (LUT) is not supported by the simulator")
        var missing = layer
        missing.parameters["filters"] = nil
        XCTAssertEqual(
            compileError(try model([inputData([3, 3, 1]), missing])), "layer 'conv': missing parameter 'filters'")
    }
}
