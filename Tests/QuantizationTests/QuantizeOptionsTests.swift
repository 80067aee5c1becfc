// quantize() behaviours around the corpus: progress per calibration step and cancellation,
// random calibration samples with the per-axis warning, and the documented refusals.
import Foundation
import KerasGraph
import KerasHDF5
import NumPyIO
import Quantization
import Tensors
import TestSupport
import XCTest

final class QuantizeOptionsTests: XCTestCase {
    func model(_ c: String) throws -> KerasModelFile { try KerasH5.read(Fixtures.file(c, "model.h5")) }

    func testProgressPerStepAndCancellation() throws {
        var options = try PipelineFixtures.options(for: "mlp")  // 64 samples, batch 16: 4 steps
        var seen: [Int] = []
        options.calibration.progress = { p in
            seen.append(p.step); XCTAssertEqual(p.steps, 4); return true
        }
        _ = try Quantizer.quantize(model("mlp"), options: options)
        XCTAssertEqual(seen, [1, 2, 3, 4])
        options.calibration.progress = { p in p.step < 2 }
        XCTAssertThrowsError(try Quantizer.quantize(model("mlp"), options: options)) { error in
            XCTAssertEqual(error as? QuantizationError, .cancelled)
        }
    }

    func testRandomSamplesWarnPerAxis() throws {
        let options = QuantizeOptions(
            calibration: CalibrationOptions(samples: nil, numSamples: 8, batchSize: 4, seed: 3))
        let result = try Quantizer.quantize(model("mlp_uint8"), options: options)
        XCTAssertEqual(result.warnings.first?.kind, .perAxisRandomSamples)
        XCTAssertEqual(
            result.qConfig, try JSONValue(parsing: Data(contentsOf: Fixtures.file("mlp_uint8", "q_config.json"))))
        // The uint8 InputQuantizer saw values in 0...255: its range is non-trivial.
        let iq = try XCTUnwrap(result.model.layers.first { $0.baseClassName == "InputQuantizer" })
        XCTAssertGreaterThan(iq.variable("range_max")?.scalars.first ?? 0, 1)
    }

    func testUnsignedInputNeedsConvOrDenseFirst() throws {
        // A float-input model starting with a ReLU cannot take a uint8 (zero-point) InputQuantizer.
        let graph = LayerGraph(
            modelClass: "Functional", name: "m",
            nodes: [
                G.input([4, 4, 2]), G.n("relu", "ReLU", [], ["input"]), G.conv("c", "relu", filters: 2, cin: 2),
            ], inputs: ["input"], outputs: [TensorRef(layer: "c")])
        XCTAssertThrowsError(try Quantizer.prepare(graph, options: QuantizeOptions())) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("unsigned quantization (input_dtype = uint8)"), message)
            XCTAssertTrue(message.contains("relu"), message)
        }
        // With a signed input_dtype the same model quantizes.
        let signed = try QuantizationParams(inputDType: "int8")
        XCTAssertNoThrow(try Quantizer.prepare(graph, options: QuantizeOptions(params: signed)))
    }

    func testRequantizeAndQConfigPrecedence() throws {
        let quantized = try KerasH5.read(Fixtures.file("mlp", "quantized.h5"))
        XCTAssertThrowsError(try Quantizer.quantize(quantized)) { error in
            XCTAssertTrue("\(error)".contains("Requantizing a model is not supported"))
        }
        // q_config replaces the plan for the layers it names; an empty entry means "use the plan".
        let graph = try LayerGraph(file: model("mlp"))
        let params = try QuantizationParams(inputDType: "int8")
        let qConfig = try JSONValue(parsing: #"{"dense_1": {"weight_quantizer": {"bitwidth": 2}}, "relu_0": {}}"#)
        let plan = try Quantizer.prepare(graph, options: QuantizeOptions(params: params, qConfig: qConfig))
        let model = try QuantizedModel(graph: plan.graph)
        let names = model.layers.map(\.name)
        let config = model.dumpConfig()
        XCTAssertEqual(
            config["dense_1"], try JSONValue(parsing: #"{"weight_quantizer": {"bitwidth": 2}, "buffer_bitwidth": 28}"#),
            "\(names)")
        XCTAssertEqual(config["relu_0"]?["output_quantizer"]?["bitwidth"], .number(8))
    }
}

final class RecalibrationTests: XCTestCase {
    func testCalibratingThePreparedModelEqualsQuantize() throws {
        for c in ["mlp_uint8", "seed_uint8_typed"] {
            let file = try KerasH5.read(Fixtures.file(c, "model.h5"))
            let options = try PipelineFixtures.options(for: c)
            let direct = try Quantizer.quantize(file, options: options)
            let plan = try Quantizer.prepare(LayerGraph(file: file), options: options)
            let again = try Quantizer.calibrate(
                QuantizedModel(graph: plan.graph), float: file, params: options.params,
                options: options.calibration)
            XCTAssertEqual(again.model, direct.model, c)
        }
    }
}
