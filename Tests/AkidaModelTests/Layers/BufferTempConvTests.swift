// BufferTempConv and DepthwiseBufferTempConv: the FIFO of the last fifo_size inputs, kept across the
// samples of a batch and across calls until resetState(). Expected integers are akida 2.19.3's
// (the same layers built with akida.BufferTempConv / akida.DepthwiseBufferTempConv and run).
import AkidaModel
import Tensors
import XCTest

final class BufferTempConvTests: XCTestCase {
    /// BufferTempConv, 1 filter, FIFO of 3 on (2, 2, 2): weight 1, 3, 9 on channel 0 of slots
    /// 0, 1, 2 (newest last), no activation.
    private func bufferTempConv() throws -> AkidaSimulator {
        var weights = [Int32](repeating: 0, count: 6)
        for (t, w) in [1, 3, 9].enumerated() { weights[t * 2] = Int32(w) }
        let layer = AkidaLayer(
            name: "btc", type: .bufferTempConv,
            parameters: [
                "activation": 0, "buffer_bits": 32, "fifo_size": 3, "filters": 1, "output_bits": 8,
                "post_op_buffer_bits": 32, "weights_bits": 8,
            ],
            variables: ["weights": try ints(.int8, [1, 1, 6, 1], weights)], inbounds: ["input"],
            inputShapes: [[2, 2, 2]], outputShape: [2, 2, 1])
        return try AkidaSimulator(model: model([inputData([2, 2, 2]), layer]))
    }

    /// Samples whose channel 0 is `values[i]` everywhere.
    private func frames(_ values: [Int32]) -> NDArray {
        batch(values.map { v in (0..<4).flatMap { _ in [v, 0] } }, shape: [2, 2, 2])
    }

    func testBatchIsATimeSequenceAndStatePersistsAcrossCalls() throws {
        let sim = try bufferTempConv()
        XCTAssertTrue(sim.isStateful)
        let first = try sim.forward(frames([1, 2, 4])).integers
        XCTAssertEqual(stride(from: 0, to: 12, by: 4).map { first[$0] }, [9, 21, 43])
        let second = try sim.forward(frames([1, 2, 4])).integers
        XCTAssertEqual(stride(from: 0, to: 12, by: 4).map { second[$0] }, [23, 25, 43])
        let singles = try [1, 2, 4].map { try sim.forward(frames([$0])).integers[0] }
        XCTAssertEqual(singles, [23, 25, 43])
        sim.resetState()
        XCTAssertEqual(try sim.forward(frames([1, 2, 4])).integers, first)
    }

    func testCallsContinueTheSequenceOfOneBatch() throws {
        let sim = try bufferTempConv()
        let whole = try sim.forward(frames([3, -1, 5, 7, 2, -6]))
        sim.resetState()
        let parts = try sim.forward(frames([3, -1, 5])).integers + sim.forward(frames([7, 2, -6])).integers
        XCTAssertEqual(parts, whole.integers)
    }

    func testDepthwiseShiftsBiasReluAndScaling() throws {
        let layer = AkidaLayer(
            name: "dbtc", type: .depthwiseBufferTempConv,
            parameters: [
                "activation": 1, "buffer_bits": 32, "fifo_size": 2, "output_bits": 8, "post_op_buffer_bits": 32,
                "weights_bits": 8,
            ],
            variables: [
                "weights": try ints(.int8, [1, 1, 2, 2], [1, 2, 3, -1]),
                "input_shift": try ints(.uint8, [2], [0, 1]), "bias": try ints(.int8, [2], [1, -2]),
                "bias_shift": try ints(.uint8, [2], [1, 0]), "output_scales": try ints(.uint8, [2], [1, 3]),
                "output_shift": try ints(.int8, [2], [0, -1]),
            ],
            inbounds: ["input"], inputShapes: [[1, 2, 2]], outputShape: [1, 2, 2])
        let sim = try AkidaSimulator(model: model([inputData([1, 2, 2]), layer]))
        let out = try sim.forward(batch([[1, 2, 3, -4], [5, 6, -7, 8], [0, 1, 2, 3]], shape: [1, 2, 2]))
        XCTAssertEqual(out.integers, [5, 0, 11, 9, 18, 0, 0, 0, 7, 30, 1, 36])
    }

    func testStatelessModelsReportNoState() throws {
        let layer = AkidaLayer(
            name: "dw", type: .depthwiseConv2D, parameters: v2Parameters(["kernel_size": 1, "kernel_stride": 1]),
            variables: ["weights": try ints(.int8, [1, 1, 1, 1], [1])], inbounds: ["input"],
            inputShapes: [[1, 1, 1]], outputShape: [1, 1, 1])
        XCTAssertFalse(try AkidaSimulator(model: model([inputData([1, 1, 1]), layer])).isStateful)
    }

    func testWrongWeightShapeIsRefused() throws {
        let layer = AkidaLayer(
            name: "btc", type: .bufferTempConv,
            parameters: [
                "activation": 0, "buffer_bits": 32, "fifo_size": 3, "filters": 1, "output_bits": 8,
                "post_op_buffer_bits": 32, "weights_bits": 8,
            ],
            variables: ["weights": try ints(.int8, [1, 1, 2, 1], [1, 1])], inbounds: ["input"],
            inputShapes: [[2, 2, 2]], outputShape: [2, 2, 1])
        let error = compileError(try model([inputData([2, 2, 2]), layer]))
        XCTAssertNotNil(error)
        XCTAssertTrue(error?.contains("[1, 1, 6, 1]") ?? false, error ?? "")
    }
}
