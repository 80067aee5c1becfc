// Spatio-temporal TENNs in quantization (Tests/Fixtures/tenn_st, made by cases/tenn_st_cases.py):
// the reference's quantized streaming model imports bit-exact; quantizing its float streaming
// form (BatchNormalization folded into the buffered layers, FIFOs running across the calibration
// batches) gives the reference's q_config and outputs; the Conv3D form with 5-D calibration
// samples is refused as the reference refuses it.
import Foundation
import KerasGraph
import KerasHDF5
import NumPyIO
import Quantization
import Tensors
import TestSupport
import XCTest

final class StreamingTENNTests: XCTestCase {
    let dir = Fixtures.root.appendingPathComponent("tenn_st/dvs128_stream")

    func file(_ name: String) -> URL { dir.appendingPathComponent(name) }

    func testReferenceQuantizedModelImportsBitExact() throws {
        let model = try QuantizedModel(file: KerasH5.read(file("quantized.h5")))
        let got = try QuantizedEngine(model: model).predict(NPY.read(contentsOf: file("inputs.npy")))[0]
        XCTAssertEqual(got.floats().scalars, try NPY.read(contentsOf: file("quant_out.npy")).floats().scalars)
    }

    func testQuantizeGivesTheReferenceConfigAndOutputs() throws {
        let calibration = CalibrationOptions(
            samples: try NPY.read(contentsOf: file("calibration.npy")), numSamples: 8, batchSize: 4, epochs: 1)
        let result = try Quantizer.quantize(
            KerasH5.read(file("model.h5")), options: QuantizeOptions(calibration: calibration))
        XCTAssertEqual(result.qConfig, try JSONValue(parsing: Data(contentsOf: file("q_config.json"))))
        XCTAssertTrue(result.fullyQuantized)
        let got = try QuantizedEngine(model: result.model).predict(NPY.read(contentsOf: file("inputs.npy")))[0]
            .floats().scalars
        let want = try NPY.read(contentsOf: file("quant_out.npy")).floats().scalars
        let scale = want.map(abs).max() ?? 1
        // Calibration float noise only: far below one output quantization step.
        for (g, w) in zip(got, want) { XCTAssertLessThanOrEqual(abs(g - w), 1e-5 * scale) }
    }

    func testFloatStreamingFormRunsTheFirstTimeStep() throws {
        let model = try FloatModel(file: KerasH5.read(file("model.h5")))
        let got = try model.predict([NPY.read(contentsOf: file("inputs.npy"))])[0].scalars
        let want = try NPY.read(contentsOf: file("float_out.npy")).floats().scalars
        let scale = want.map(abs).max() ?? 1
        for (g, w) in zip(got, want) { XCTAssertLessThanOrEqual(abs(g - w), 1e-4 * scale) }
    }

    func testConv3DFormWithClipSamplesIsRefused() throws {
        let c = "tenn_st_dvs128"
        let calibration = CalibrationOptions(
            samples: try NPY.read(contentsOf: Fixtures.file(c, "calibration.npy")), numSamples: 4, batchSize: 4)
        XCTAssertThrowsError(
            try Quantizer.quantize(
                KerasH5.read(Fixtures.file(c, "model.h5")), options: QuantizeOptions(calibration: calibration))
        ) { error in
            guard let refusal = error as? SpatioTemporalRefusal else { return XCTFail("\(error)") }
            XCTAssertEqual(refusal.layer, "input")
            XCTAssertEqual(refusal.rule, "streaming-calibration-shape")
            XCTAssertTrue(refusal.description.contains("(None, 16, 16, 2)"), refusal.description)
        }
    }

    func testConv3DFormWithFramesQuantizesThroughItsStreamingForm() throws {
        let frames = Fixtures.root.appendingPathComponent("tenn_st/dvs128_conv3d_frames")
        let calibration = CalibrationOptions(
            samples: try NPY.read(contentsOf: frames.appendingPathComponent("frames.npy")), numSamples: 8,
            batchSize: 4)
        let result = try Quantizer.quantize(
            KerasH5.read(Fixtures.file("tenn_st_dvs128", "model.h5")),
            options: QuantizeOptions(calibration: calibration))
        XCTAssertEqual(
            result.qConfig, try JSONValue(parsing: Data(contentsOf: frames.appendingPathComponent("q_config.json"))))
        XCTAssertTrue(result.model.layers.contains { $0.baseClassName == "QuantizedDepthwiseBufferTempConv" })
        let got = try QuantizedEngine(model: result.model).predict(
            NPY.read(contentsOf: frames.appendingPathComponent("x.npy")))[0].floats().scalars
        let want = try NPY.read(contentsOf: frames.appendingPathComponent("quant_out.npy")).floats().scalars
        let scale = want.map(abs).max() ?? 1
        XCTAssertEqual(got.count, want.count)
        for (g, w) in zip(got, want) { XCTAssertLessThanOrEqual(abs(g - w), 1e-5 * scale) }
    }
}
