// Simulator against akida on every corpus model: predict equals akida_v*_out.npy and forward
// equals akida_v*_forward.npy exactly; input validation errors.
import AkidaFormats
import AkidaModel
import NumPyIO
import Tensors
import XCTest

final class SimulatorTests: XCTestCase {
    func testPredictAndForwardEqualAkida() throws {
        for c in try AkidaCase.all() { try CorpusChecks.predictAndForward(c) }
    }
}

final class LayerOutputTests: XCTestCase {
    /// Every layer's output equals the akida_v*_layers.npz entry (first samples of the inputs).
    func testEveryLayerEqualsAkida() throws {
        for c in try AkidaCase.all() { try CorpusChecks.everyLayer(c) }
    }
}

extension NDArray {
    func integersOrFloats() throws -> [Double] { doubles() }
}

final class InputValidationTests: XCTestCase {
    private func simulator(_ name: String, _ version: String = "v2") throws -> AkidaSimulator {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == name && $0.version == version })
        return try AkidaSimulator(model: c.model())
    }

    func testWrongShapeIsRejectedWithExpectedShape() throws {
        let sim = try simulator("residual_add")
        let x = try NDArray(dtype: .uint8, shape: [2, 24, 24, 1], bytes: [UInt8](repeating: 0, count: 2 * 24 * 24))
        XCTAssertThrowsError(try sim.forward(x)) { error in
            XCTAssertEqual("\(error)", "Input shape must be (N,24,24,3) but got (2,24,24,1)")
        }
    }

    func testWrongDTypeIsRejected() throws {
        let uint8Model = try simulator("residual_add")
        let x = try NDArray(dtype: .int8, shape: [1, 24, 24, 3], bytes: [UInt8](repeating: 0, count: 24 * 24 * 3))
        XCTAssertThrowsError(try uint8Model.forward(x)) { error in
            XCTAssertTrue("\(error)".contains("Input type should be uint8"), "\(error)")
        }
        let signedQuantizer = try simulator("mlp")
        let u = try NDArray(dtype: .uint8, shape: [1, 1, 1, 64], bytes: [UInt8](repeating: 0, count: 64))
        XCTAssertThrowsError(try signedQuantizer.forward(u)) { error in
            XCTAssertTrue("\(error)".contains("int8 or float32"), "\(error)")
        }
        let d = try NDArray(dtype: .float64, shape: [1, 1, 1, 64], bytes: [UInt8](repeating: 0, count: 64 * 8))
        XCTAssertThrowsError(try signedQuantizer.forward(d))
    }

    func testTwoDimensionalInputIsAcceptedForFlatModels() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "mlp" })
        let sim = try AkidaSimulator(model: c.model())
        let flat = try NPY.read(contentsOf: c.directory.appendingPathComponent("inputs.npy"))
        XCTAssertEqual(flat.shape.count, 2)
        let expected = try NPY.read(contentsOf: c.file("_out.npy"))
        XCTAssertEqual(try sim.predict(flat).ndarray(), expected)
    }

    func testIntegerInputsBypassTheQuantizer() throws {
        // akida passes int8 inputs of a signed Quantizer through unchanged (reference 7.4).
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "mlp" })
        let sim = try AkidaSimulator(model: c.model())
        let values: [Int32] = (0..<64).map { Int32($0 - 32) }
        let x = NDArray(Tensor(shape: [1, 1, 1, 64], scalars: values), dtype: .int8)
        let run = try sim.forwardAllLayers(x)
        XCTAssertEqual(run.layerOutputs[0].tensor.integers, values)
    }

    func testInferReportsSparsityPerLayer() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "ds_cnn_kws" })
        let sim = try AkidaSimulator(model: c.model())
        let inputs = try c.inputs()
        let result = try sim.infer(inputs, layerSparsity: true)
        XCTAssertTrue(result.usedPredict)
        XCTAssertEqual(result.output.ndarray(), try NPY.read(contentsOf: c.file("_out.npy")))
        let all = try sim.forwardAllLayers(inputs)
        XCTAssertEqual(result.layerSparsity.map(\.name), all.layerOutputs.map(\.name))
        for (s, layer) in zip(result.layerSparsity, all.layerOutputs) {
            XCTAssertEqual(s.zeroFraction, layer.tensor.zeroFraction, accuracy: 1e-12, s.name)
        }
        XCTAssertTrue(result.layerSparsity.contains { $0.zeroFraction > 0.2 }, "ReLU layers should be sparse")
    }

    func testBatchSplittingGivesTheSameResultAsOneThread() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "digits_trained" })
        let inputs = try c.inputs()
        let parallel = try AkidaSimulator(model: c.model(), maxThreads: 4).forward(inputs)
        let serial = try AkidaSimulator(model: c.model(), maxThreads: 1).forward(inputs)
        XCTAssertEqual(parallel, serial)
    }

    func testV1PredictNeedsALastLayerWithoutActivation() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "v1_convnet" })
        var model = try c.model()
        model.layers.removeLast()
        model.outputShape = model.layers[model.layers.count - 1].outputShape
        let sim = try AkidaSimulator(model: model)
        XCTAssertFalse(sim.canPredict)
        XCTAssertThrowsError(try sim.predict(c.inputs()))
        XCTAssertFalse(try sim.infer(c.inputs()).usedPredict)
    }
}

/// Accumulations beyond 32 bits (28-bit activations into a dense layer) follow reference 7.5:
/// exact sums, then saturation to buffer_bits.
final class WideAccumulationTests: XCTestCase {
    private func dense(
        _ name: String, inbound: String, units: Int, inputs: Int, weight: Int32, outputShift: Int32
    ) throws -> AkidaLayer {
        func v(_ dtype: AkidaDType, _ shape: [Int], _ values: [Int32]) throws -> AkidaVariable {
            try AkidaVariable(dtype: dtype, shape: shape, values: .integers(values))
        }
        let weights: [Int32] = (0..<inputs * units).map { i in
            units == inputs ? (i / units == i % units ? weight : 0) : weight
        }
        return AkidaLayer(
            name: name, type: .dense1D,
            parameters: [
                "activation": 0, "buffer_bits": 32, "output_bits": 32, "post_op_buffer_bits": 32,
                "units": units, "weights_bits": 8,
            ],
            variables: [
                "weights": try v(.int8, [inputs, units], weights),
                "output_shift": try v(.int8, [units], [Int32](repeating: outputShift, count: units)),
            ],
            inbounds: [inbound], inputShapes: [[1, 1, inputs]], outputShape: [1, 1, units])
    }

    func testSumsBeyond32BitsSaturateAtBufferBits() throws {
        let input = AkidaLayer(
            name: "input", type: .inputData,
            parameters: ["input_bits": 8, "input_channels": 4, "input_height": 1, "input_width": 1, "input_signed": 1],
            variables: [:], inbounds: [], inputShapes: [[1, 1, 4]], outputShape: [1, 1, 4])
        let model = try AkidaModel(
            ipVersion: .v2,
            layers: [
                input,
                try dense("widen", inbound: "input", units: 4, inputs: 4, weight: 1, outputShift: 20),
                try dense("sum", inbound: "widen", units: 2, inputs: 4, weight: 127, outputShift: 0),
            ], inputShape: [1, 1, 4], outputShape: [1, 1, 2])
        let samples: [[Int32]] = [[127, 127, 127, 127], [1, 1, 1, 1], [-128, -128, -128, -128], [100, -100, 3, 0]]
        let x = NDArray(Tensor(shape: [4, 1, 1, 4], scalars: samples.flatMap { $0 }), dtype: .int8)
        let out = try AkidaSimulator(model: model).forward(x)
        XCTAssertEqual(out.dtype, .int32)
        for (i, sample) in samples.enumerated() {
            let exact = sample.reduce(Int64(0)) { $0 + 127 * (Int64($1) << 20) }
            let expected = Int32(clamping: exact)
            XCTAssertEqual(Array(out.integers[i * 2..<i * 2 + 2]), [expected, expected], "sample \(sample)")
        }
    }
}

/// Hostile parameter values never crash: the simulator refuses the model or runs it.
final class RobustnessTests: XCTestCase {
    func testOutOfRangeParametersAreRejectedOrRun() throws {
        for name in ["residual_add", "v1_convnet", "mlp"] {
            let c = try XCTUnwrap(AkidaCase.all().first { $0.name == name })
            let model = try c.model()
            let inputs = try c.inputs()
            let head = try NDArray(
                dtype: inputs.dtype, shape: [1] + inputs.shape.dropFirst(),
                bytes: Array(inputs.bytes[0..<inputs.bytes.count / inputs.shape[0]]))
            for (li, layer) in model.layers.enumerated() {
                for key in layer.parameters.keys {
                    for value in [-1_000_000, -1, 0, 3, 40, 1 << 40] {
                        var broken = model
                        broken.layers[li].parameters[key] = value
                        if let sim = try? AkidaSimulator(model: broken) {
                            _ = try? sim.forward(head)
                        }
                    }
                }
            }
        }
    }

    func testInconsistentDeclaredShapesAreRejected() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "residual_add" })
        var model = try c.model()
        model.layers[2].outputShape = [12, 12, 17]
        XCTAssertThrowsError(try AkidaSimulator(model: model)) { error in
            XCTAssertTrue("\(error)".contains(model.layers[2].name), "\(error)")
        }
    }
}

final class ProgressTests: XCTestCase {
    func testProgressReachesTheBatchSizeAndCanCancel() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "digits_trained" })
        let sim = try AkidaSimulator(model: c.model(), maxThreads: 2)
        let inputs = try c.inputs()
        var last = 0
        _ = try sim.infer(inputs) { done, total in
            XCTAssertEqual(total, inputs.shape[0])
            XCTAssertGreaterThanOrEqual(done, last)
            last = done
            return true
        }
        XCTAssertEqual(last, inputs.shape[0])
        XCTAssertThrowsError(try sim.infer(inputs) { done, _ in done < 10 }) { error in
            XCTAssertEqual(error as? AkidaModelError, .cancelled)
        }
    }
}
