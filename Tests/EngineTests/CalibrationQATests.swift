// Calibration QA against the reference's own calibration: the batch maxima SpikeForge observes,
// folded with the reference's moving maximum (momentum 0.9) written out here, give the range
// quantizeml stored in the corpus's quantized.h5; random samples and tiny sample sets are called out.
import Engine
import Foundation
import JSON
import KerasGraph
import KerasHDF5
import NumPyIO
import Quantization
import TestSupport
import XCTest

final class CalibrationQATests: XCTestCase {
    func assess(_ name: String, samples: NDArray?, numSamples: Int?, batchSize: Int?) throws -> CalibrationQA {
        let float = try FloatModel(file: KerasH5.read(Fixtures.file(name, "model.h5")))
        let quantized = try ModelOperations.quantizedModel(at: Fixtures.file(name, "quantized.h5"))
        return try CalibrationQA.assess(
            float: float, quantized: quantized,
            request: CalibrationRequest(samples: samples, numSamples: numSamples, batchSize: batchSize))
    }

    func testPerTensorBatchMaximaGiveTheReferenceRange() throws {
        let args = try XCTUnwrap(Fixtures.meta("mlp")["quantize_args"] as? [String: Any])
        let qa = try assess(
            "mlp", samples: try NPY.read(contentsOf: Fixtures.file("mlp", "calibration.npy")),
            numSamples: args["num_samples"] as? Int, batchSize: args["batch_size"] as? Int)
        XCTAssertFalse(qa.random)
        XCTAssertEqual(qa.samplesUsed, 64)
        XCTAssertEqual(qa.batches, 4)
        let relu = try XCTUnwrap(qa.layers.first { $0.name == "relu_0" })
        XCTAssertFalse(relu.perAxis)
        XCTAssertEqual(relu.batchMaxima.count, 4)
        var moving = relu.batchMaxima[0]
        for m in relu.batchMaxima.dropFirst() { moving -= (moving - m) * 0.1 }
        XCTAssertEqual(moving, relu.range, accuracy: 1e-5 * relu.range)
        XCTAssertLessThanOrEqual(relu.percentile999, relu.batchMaxima.max()!)
        // The moving maximum lies below the largest batch maximum: some outputs exceed it.
        XCTAssertEqual(relu.clippedFraction > 0, relu.batchMaxima.max()! > relu.range)
    }

    func testRandomAndTinySampleSetsAreCalledOut() throws {
        let random = try assess("digits_trained", samples: nil, numSamples: nil, batchSize: nil)
        XCTAssertTrue(random.random)
        XCTAssertEqual(random.samplesUsed, 1024)
        XCTAssertTrue(random.advice.contains { $0.contains("random") })

        let inputs = try NPY.read(contentsOf: Fixtures.file("digits_trained", "calibration.npy"))
        let tiny = try assess(
            "digits_trained", samples: try BatchRows.slice(inputs, 0..<8), numSamples: nil, batchSize: 4)
        XCTAssertEqual(tiny.samplesUsed, 8)
        XCTAssertEqual(tiny.batches, 2)
        XCTAssertTrue(tiny.advice.contains { $0.contains("only 8 samples") })
        XCTAssertEqual(Set(tiny.layers.map(\.name)), ["relu_0", "relu_1"])
        XCTAssertTrue(tiny.layers.allSatisfy { $0.perAxis && $0.batchMaxima.count == 2 })
    }

    /// A stateful model is calibrated segment by segment on the whole set (the reference ignores
    /// batch_size there): the Engine's quantize goes through (it used to fail in the QA's batched float
    /// run), gives the reference's q_config and says why it has no per-layer figures.
    func testStatefulModelQuantizesAndQAExplainsItsSegments() throws {
        let name = "tenn_rec_uored_stateful_w4"
        let samples = try TensorFiles.firstArray(contentsOf: Fixtures.file(name, "calibration.npy"), subject: "samples")
        let outcome = try ModelOperations.quantize(
            floatAt: Fixtures.file(name, "model.h5"),
            request: QuantizeRequest(
                weightBits: 4, activationBits: 4,
                calibration: CalibrationRequest(samples: samples, numSamples: 4, batchSize: 2)))
        let reference = try ModelOperations.qConfig(at: Fixtures.file(name, "quantized.h5"))
        XCTAssertEqual(outcome.model.dumpConfig(), reference)
        XCTAssertEqual(outcome.calibrationQA.samplesUsed, samples.shape[0])
        XCTAssertTrue(outcome.calibrationQA.layers.isEmpty)
        XCTAssertTrue(outcome.calibrationQA.advice.contains { $0.contains("segment by segment") })
    }
}
