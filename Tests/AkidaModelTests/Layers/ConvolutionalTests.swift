// Convolutional (reference 8.2, 8.3): Akida 1.0 true convolutions and the act_bits levels.
import AkidaModel
import Tensors
import XCTest

final class ConvolutionalTests: XCTestCase {
    private func conv(
        inputShape: [Int] = [1, 16, 1], kernelWidth: Int = 1, weights: [Int32], params: [String: Int] = [:],
        outputShape: [Int] = [1, 16, 1]
    ) throws -> AkidaLayer {
        AkidaLayer(
            name: "conv", type: .convolutional,
            parameters: v1Parameters(["kernel_width": kernelWidth].merging(params) { $1 }),
            variables: [
                "weights": try ints(.int8, [kernelWidth, 1, 1, 1], weights), "threshold": try ints(.int32, [1], [0]),
                "act_step": try floats([1], [1]),
            ],
            inbounds: ["input"], inputShapes: [inputShape], outputShape: outputShape)
    }

    private func run(_ layer: AkidaLayer, _ input: NDArray = ramp16) throws -> [Int32] {
        let shape = layer.inputShapes[0]
        return try AkidaSimulator(model: model([inputData(shape, bits: 4), layer], .v1)).forward(input).integers
    }

    func testActivationLevels() throws {
        // act_bits 4, weight 3: min(3v, 15); act_bits 2 (effective step 4): ceil(v / 4) up to 3.
        XCTAssertEqual(try run(conv(weights: [3])), [0, 3, 6, 9, 12, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15])
        XCTAssertEqual(
            try run(conv(weights: [1], params: ["act_bits": 2])),
            [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3])
    }

    func testKernelIsATrueConvolution() throws {
        // Valid 3×1 kernel [1, 0, 0] on [1, 2, 3]: flipped, it reads the last input; raw potential.
        let layer = try conv(
            inputShape: [3, 1, 1], kernelWidth: 3, weights: [1, 0, 0], params: ["activation": 0],
            outputShape: [1, 1, 1])
        XCTAssertEqual(try run(layer, batch([[1, 2, 3]], shape: [3, 1, 1], dtype: .uint8)), [3])
        XCTAssertEqual(
            AkidaLayerType.convolutional.definition.summaryRow(layer),
            AkidaSummaryLayer(name: "conv", type: "Conv.", outputShape: [1, 1, 1], kernelShapes: [[3, 1, 1, 1]]))
    }
}
