// quantize() over the corpus: for every case quantized with quantizeml.models.quantize, the
// same q_config, the same layers, the same float variables (calibrated ranges within 1e-5)
// and the same quantized outputs as the reference; refused models fail naming layer and rule.
import Foundation
import KerasGraph
import KerasHDF5
import NumPyIO
import Quantization
import Tensors
import TestSupport
import XCTest

final class QuantizePipelineCorpusTests: XCTestCase {
    func options(for c: String) throws -> QuantizeOptions { try PipelineFixtures.options(for: c) }
    func quantizedCases() throws -> [String] { try PipelineFixtures.quantizedCases() }

    /// Layer names and classes of the reference's quantized model, nested models expanded.
    func expectedLayers(_ c: String) throws -> [String] {
        let q = try LayerGraph(file: KerasH5.read(Fixtures.file(c, "quantized.h5")))
        return q.nodes.map { "\($0.name):\($0.baseClassName)" }
    }

    func describe(_ value: JSONValue?) -> String { value.map(String.init(describing:)) ?? "-" }

    func assertClose(_ got: Tensor<Float>, _ want: Tensor<Float>, rtol: Float, _ what: String) {
        XCTAssertEqual(got.shape, want.shape, what)
        guard got.shape == want.shape else { return }
        let scale = want.scalars.map(abs).max() ?? 0
        var worst: Float = 0
        for (a, b) in zip(got.scalars, want.scalars) {
            worst = max(worst, abs(a - b) / max(abs(b), scale * 1e-3, 1e-30))
        }
        XCTAssertLessThanOrEqual(worst, rtol, "\(what): worst relative difference \(worst)")
    }

    func testQuantizeReproducesReference() throws {
        for c in try quantizedCases() {
            let result = try Quantizer.quantize(KerasH5.read(Fixtures.file(c, "model.h5")), options: options(for: c))
            let wantConfig = try JSONValue(parsing: Data(contentsOf: Fixtures.file(c, "q_config.json")))
            XCTAssertEqual(result.qConfig, wantConfig, "\(c): q_config\n got \(result.qConfig)\nwant \(wantConfig)")

            let reference = try QuantizedModel(file: KerasH5.read(Fixtures.file(c, "quantized.h5")))
            let got = result.model.layers.map { "\($0.name):\($0.baseClassName)" }
            XCTAssertEqual(got, try expectedLayers(c), "\(c): layers")
            for layer in reference.layers {
                guard let mine = result.model.layer(named: layer.name) else { continue }
                let differing =
                    (layer.config.objectPairs ?? []).filter { mine.config[$0.0] != $0.1 }.map(\.0)
                    + (mine.config.objectPairs ?? []).filter { layer.config[$0.0] == nil }.map(\.0)
                XCTAssertEqual(
                    differing, [],
                    "\(c): config of \(layer.name) differs in \(differing): "
                        + "\(differing.map { "\(describe(mine.config[$0])) vs \(describe(layer.config[$0]))" })"
                )
                XCTAssertEqual(
                    mine.variables.map(\.name), layer.variables.map(\.name), "\(c): variables of \(layer.name)")
                for v in layer.variables {
                    guard let m = mine.variable(v.name) else { continue }
                    assertClose(m, v.value, rtol: 1e-5, "\(c): \(layer.name)/\(v.name)")
                }
            }

            let wantWarnings = (try Fixtures.meta(c)["quantize_warnings"] as? [String] ?? [])
                .map { $0.replacingOccurrences(of: "UserWarning: ", with: "") }
            XCTAssertEqual(result.warnings.map(\.message), wantWarnings, "\(c): warnings")
            try checkIntegerOutputs(c, result.model)
            try checkDequantizedOutputs(c, result.model)
        }
    }

    /// Dequantized outputs against quant_out.npy. Integers are exact (above); the float scale of
    /// the last layer comes from kernels divided by the equalization rates, which our float32
    /// arithmetic reproduces to a few ulps only, so the dequantized floats may move by a fraction
    /// of one output quantization step — measured at most 0.21 step — never by a whole step.
    /// A float tail after the Dequantizer (softmax) follows the float rule.
    func checkDequantizedOutputs(_ c: String, _ model: QuantizedModel) throws {
        let meta = try Fixtures.meta(c)
        let inputs = try NPY.read(contentsOf: Fixtures.file(c, "inputs.npy"))
        let got = try QuantizedEngine(model: model).predict(inputs)[0].floats().scalars
        let want = try NPY.read(contentsOf: Fixtures.file(c, "quant_out.npy")).floats().scalars
        XCTAssertEqual(got.count, want.count, "\(c): output size")
        let tolerances = (meta["tolerances"] as? [String: Any])?["quant_out"] as? [String: Any]
        if model.layers.last?.baseClassName == "Dequantizer", let steps = tolerances?["output_step"] as? [Double],
            !steps.isEmpty
        {
            let worst =
                zip(got, want).enumerated().map { i, pair in
                    abs(Double(pair.0) - Double(pair.1)) / steps[i % steps.count]
                }.max() ?? 0
            XCTAssertLessThanOrEqual(
                worst, 0.25, "\(c): dequantized outputs differ from quant_out.npy by \(worst) output steps")
        } else {
            let atol = 1e-4 * Double(want.map { abs($0) }.max() ?? 0)
            for (g, w) in zip(got, want) {
                XCTAssertLessThanOrEqual(
                    abs(Double(g) - Double(w)), atol + 1e-4 * abs(Double(w)), "\(c): float tail output")
            }
        }
    }

    /// Integer outputs of every quantized layer on the dumped inputs equal quant_layers.npz.
    func checkIntegerOutputs(_ c: String, _ model: QuantizedModel) throws {
        let meta = try Fixtures.meta(c)
        let inputs = try NPY.read(contentsOf: Fixtures.file(c, "inputs.npy"))
        let n = (meta["layer_dump_samples"] as? Int) ?? inputs.shape[0]
        let row = inputs.shape.dropFirst().reduce(1, *) * inputs.dtype.byteSize
        let batch = try NDArray(
            dtype: inputs.dtype, shape: [n] + inputs.shape.dropFirst(), bytes: Array(inputs.bytes[0..<(n * row)]))
        let outputs = try QuantizedEngine(model: model).layerOutputs(batch)
        let want = Dictionary(
            try NPZ.read(contentsOf: Fixtures.file(c, "quant_layers.npz")).map { ($0.name, $0.array) },
            uniquingKeysWith: { a, _ in a })
        for layer in model.layers {
            guard let expected = want["\(layer.name):values"] else { continue }
            guard case .quantized(let q)? = outputs[layer.name] else {
                XCTFail("\(c): layer \(layer.name) gave no quantized output")
                continue
            }
            let diff = zip(q.values, expected.doubles()).map { abs(Double($0) - $1) }.max() ?? 0
            XCTAssertEqual(
                diff, 0, "\(c): integer outputs of \(layer.name) differ from quant_layers.npz by up to \(diff)")
        }
    }

    func testQConfigFirstPassWithQParamsAlone() throws {
        // seed_qconfig: dump_config after quantizing with the qparams alone (no q_config).
        var options = try options(for: "seed_qconfig")
        options.qConfig = nil
        let result = try Quantizer.quantize(KerasH5.read(Fixtures.file("seed_qconfig", "model.h5")), options: options)
        XCTAssertEqual(
            result.qConfig,
            try JSONValue(parsing: Data(contentsOf: Fixtures.file("seed_qconfig", "q_config_first_pass.json"))))
    }

    func testRefusedModelsNameLayerAndRule() throws {
        let expected: [(String, String, String)] = [
            ("float_zoo", "At least one layer should be quantizable", "rescaling"),
            ("neg_lstm", "At least one layer should be quantizable", "lstm"),
            ("neg_lambda", "Unserializable layers", "Lambda"),
        ]
        for (c, rule, layer) in expected {
            let reference = try String(contentsOf: Fixtures.file(c, "quantize_error.txt"), encoding: .utf8)
            XCTAssertTrue(reference.contains(rule), "\(c): the reference error is \(reference)")
            do {
                let model = try KerasH5.read(Fixtures.file(c, "model.h5"))
                _ = try Quantizer.quantize(model, options: options(for: c))
                XCTFail("\(c): quantization should fail")
            } catch {
                let message = "\(error)"
                XCTAssertTrue(message.contains(rule), "\(c): \(message)")
                XCTAssertTrue(
                    message.lowercased().contains(layer.lowercased()), "\(c): \(message) should name \(layer)")
            }
        }
    }
}
