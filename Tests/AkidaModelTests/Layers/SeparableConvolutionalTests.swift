// SeparableConvolutional (reference 8.2, 8.4): depthwise then pointwise sums, raw potentials on
// forward, (p - threshold) / act_step on predict; two kernels in the summary.
import AkidaModel
import XCTest

final class SeparableConvolutionalTests: XCTestCase {
    private func separable(pointwise: Bool = true) throws -> AkidaLayer {
        var variables = [
            "weights": try ints(.int8, [1, 1, 1, 1], [1]), "threshold": try ints(.int32, [1], [5]),
            "act_step": try floats([1], [2]),
        ]
        if pointwise { variables["weights_pw"] = try ints(.int8, [1, 1, 1, 1], [1]) }
        return AkidaLayer(
            name: "sep", type: .separableConvolutional, parameters: v1Parameters(["activation": 0]),
            variables: variables, inbounds: ["input"], inputShapes: [[1, 16, 1]], outputShape: [1, 16, 1])
    }

    func testForwardGivesPotentialsAndPredictScalesThem() throws {
        let sim = try AkidaSimulator(model: model([inputData([1, 16, 1], bits: 4), try separable()], .v1))
        let forward = try sim.forward(ramp16)
        XCTAssertEqual(forward.dtype, .int32)
        XCTAssertEqual(forward.integers, (0..<16).map { Int32($0) })
        XCTAssertEqual(try sim.predict(fromForward: forward).floats, (0..<16).map { (Float($0) - 5) / 2 })
    }

    func testSummaryRowShowsBothKernelsAndPointwiseIsRequired() throws {
        let row = AkidaLayerType.separableConvolutional.definition.summaryRow(try separable())
        XCTAssertEqual(row.type, "Sep.Conv.")
        XCTAssertEqual(row.kernelShapes, [[1, 1, 1, 1], [1, 1, 1, 1]])
        XCTAssertEqual(
            compileError(try model([inputData([1, 16, 1], bits: 4), try separable(pointwise: false)], .v1)),
            "layer 'sep': missing variable 'weights_pw'")
    }
}
