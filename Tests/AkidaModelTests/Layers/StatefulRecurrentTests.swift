// StatefulRecurrent: input projection, new-state scale-out, complex recurrence, subsampling, output
// projection and scaling, with the state kept across the samples of a batch and across calls until
// resetState(). Expected integers are akida 2.19.3's (the same layer built with
// akida.StatefulRecurrent, variables set, run with forward).
import AkidaModel
import Tensors
import XCTest

final class StatefulRecurrentTests: XCTestCase {
    /// 2 input channels, 2 stateful channels, 1 output, 4 timesteps subsampled by 2, no activation.
    private func simulator() throws -> AkidaSimulator {
        let layer = AkidaLayer(
            name: "rec", type: .statefulRecurrent,
            parameters: [
                "activation": 0, "buffer_bits": 28, "internal_state_bits": 16, "output_bits": 16,
                "output_channels": 1, "post_op_buffer_bits": 32, "stateful_channels": 2, "subsample": 2,
            ],
            variables: [
                "in_proj": try ints(.int8, [2, 2], [3, -1, 1, 2]),
                "A_real": try ints(.int16, [2], [16384, -8000]), "A_imag": try ints(.int16, [2], [16384, 12000]),
                "new_state_scale": try ints(.uint8, [2], [3, 1]), "new_state_shift": try ints(.int8, [2], [14, 13]),
                "internal_state_outputs_shift": try ints(.int8, [2], [-15, -15]),
                "out_proj": try ints(.int8, [2, 1], [2, -3]), "bias": try ints(.int8, [1], [5]),
                "bias_shift": try ints(.uint8, [1], [1]), "output_scales": try ints(.uint8, [1], [3]),
                "output_shift": try ints(.int8, [1], [-1]),
            ],
            inbounds: ["input"], inputShapes: [[1, 4, 2]], outputShape: [1, 2, 1])
        return try AkidaSimulator(model: model([inputData([1, 4, 2]), layer], .pico))
    }

    private let samples: [[Int32]] = [[10, -3, 7, 2, -5, 9, 1, 1], [4, 4, -8, 3, 2, -6, 9, 0]]

    func testBatchIsATimeSequenceAndStatePersistsAcrossCalls() throws {
        let sim = try simulator()
        XCTAssertTrue(sim.isStateful)
        let x = batch(samples, shape: [1, 4, 2])
        let first = try sim.forward(x).integers
        XCTAssertEqual(first, [180, -7, -96, 131])
        XCTAssertEqual(try sim.forward(x).integers, [204, -34, -102, 137])
        sim.resetState()
        XCTAssertEqual(try sim.forward(batch([samples[0]], shape: [1, 4, 2])).integers, [180, -7])
        XCTAssertEqual(try sim.forward(batch([samples[1]], shape: [1, 4, 2])).integers, [-96, 131])
    }

    func testSummaryListsTheFourKernelsInOneCell() throws {
        let text = AkidaSummary(model: try simulator().model).text
        XCTAssertTrue(text.contains("rec (StatefulRecurrent)  [1, 2, 1]     (2, 2)  (2,)  (2,)  (2, 1)"), text)
    }
}
