// Quantized inference over the corpus: every layer's integers, frac bits and scales equal the
// reference dump (quant_layers.npz), and the outputs equal quant_out.npy.
import Foundation
import KerasGraph
import KerasHDF5
import NumPyIO
import Quantization
import Tensors
import TestSupport
import XCTest

final class QuantizedInferenceTests: XCTestCase {
    func testEveryLayerMatchesReferenceDump() throws {
        var report: [String] = []
        for name in try CorpusCase.quantizedCases() {
            let model = try loadQuantizedModel(name)
            let failures = try CorpusCase.layerDumpFailures(name, model: model)
            report.append(
                "\(name): "
                    + (failures.isEmpty
                        ? "all \(model.layers.count - 1) layers exact" : failures.joined(separator: "; ")))
            XCTAssertEqual(failures, [], name)
        }
        print(report.joined(separator: "\n"))
    }

    /// quant_out.npy (`model.predict`): dequantized outputs bit for bit; a float tail after the
    /// Dequantizer (softmax, the float rest of a partially quantized model) by the float rule.
    func testOutputsMatchQuantOut() throws {
        var report: [String] = []
        for name in try CorpusCase.quantizedCases() {
            let model = try loadQuantizedModel(name)
            let got = try QuantizedEngine(model: model).predict(CorpusCase.npy(name, "inputs.npy"))[0]
            let want = try CorpusCase.npy(name, "quant_out.npy")
            XCTAssertEqual(got.shape, want.shape, name)
            let g = got.floats().scalars, w = want.floats().scalars
            let exact = zip(g, w).filter { $0 == $1 }.count
            if model.layer(named: model.outputs[0].layer)?.baseClassName == "Dequantizer" {
                XCTAssertEqual(exact, w.count, "\(name): dequantized outputs must be bit-exact")
                report.append("\(name): \(exact)/\(w.count) bit-exact")
            } else {
                let maxAbs = w.map(abs).max() ?? 0
                var worst: Float = 0
                for (a, b) in zip(g, w) { worst = max(worst, abs(a - b) / (1e-4 * maxAbs + 1e-4 * abs(b))) }
                XCTAssertLessThanOrEqual(worst, 1, name)
                report.append(
                    "\(name): float tail, \(exact)/\(w.count) bit-exact, worst error \(worst) of the float tolerance")
            }
        }
        print(report.joined(separator: "\n"))
    }

    /// The legacy CNN2SNN layers fake-quantize in float: every layer and the output by the float rule.
    func testLegacyCNN2SNNModel() throws {
        let cases = try CorpusCase.legacyCases()
        XCTAssertTrue(cases.contains("seed_upgrade_legacy"), "\(cases)")
        for name in cases {
            let model = try loadQuantizedModel(name)
            let engine = try QuantizedEngine(model: model)
            let inputs = try CorpusCase.npy(name, "inputs.npy")
            let dump = try CorpusCase.npz(name, "quant_layers.npz")
            let outputs = try engine.layerOutputs(inputs)
            for layer in model.layers where layer.className != "InputLayer" {
                guard let got = outputs[layer.name] else { XCTFail("\(layer.name) not computed"); continue }
                XCTAssertNil(compareLayer(layer.name, got, dump), name)
            }
            let got = try engine.predict(inputs)[0].floats().scalars
            let want = try CorpusCase.npy(name, "quant_out.npy").floats().scalars
            let m = want.map(abs).max() ?? 0
            XCTAssertEqual(got.count, want.count)
            let exact = zip(got, want).filter { $0 == $1 }.count
            print("\(name): \(exact)/\(want.count) bit-exact")
            for (a, b) in zip(got, want) { XCTAssertEqual(a, b, accuracy: 1e-4 * m + 1e-4 * abs(b)) }
            XCTAssertEqual(model.dumpConfig(), .object([]))
            XCTAssertTrue(try LayerGraph(file: KerasH5.read(Fixtures.file(name, "quantized.h5"))).isQuantized)
        }
    }

    func testDumpConfigEqualsReference() throws {
        for name in try CorpusCase.quantizedCases() {
            XCTAssertTrue(try LayerGraph(file: KerasH5.read(Fixtures.file(name, "quantized.h5"))).isQuantized, name)
            XCTAssertFalse(try LayerGraph(file: KerasH5.read(Fixtures.file(name, "model.h5"))).isQuantized, name)
            let model = try loadQuantizedModel(name)
            let want = try JSONValue(parsing: Data(contentsOf: Fixtures.file(name, "q_config.json")))
            XCTAssertEqual(model.dumpConfig(), want, name)
        }
    }

    /// Export to a .h5 file and import it again: the same config and integer outputs on every layer.
    func testExportRoundTripKeepsOutputs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qexport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in try CorpusCase.quantizedCases() + CorpusCase.legacyCases() {
            let model = try loadQuantizedModel(name)
            let url = dir.appendingPathComponent("\(name).h5")
            try KerasH5.write(model.kerasModelFile(), to: url)
            let reimported = try QuantizedModel(file: KerasH5.read(url))
            XCTAssertEqual(reimported.layers.map(\.name), model.layers.map(\.name), name)
            XCTAssertEqual(reimported.dumpConfig(), model.dumpConfig(), name)
            let inputs = try CorpusCase.head(CorpusCase.npy(name, "inputs.npy"), 4)
            let a = try QuantizedEngine(model: model).layerOutputs(inputs)
            let b = try QuantizedEngine(model: reimported).layerOutputs(inputs)
            XCTAssertEqual(Set(a.keys), Set(b.keys), name)
            for (layer, value) in a {
                switch (value, b[layer]) {
                case (.quantized(let x), .quantized(let y)?): XCTAssertEqual(x, y, "\(name) \(layer)")
                case (.float(let x), .float(let y)?): XCTAssertEqual(x, y, "\(name) \(layer)")
                case (.raw(let x, _), .raw(let y, _)?): XCTAssertEqual(x, y, "\(name) \(layer)")
                default: XCTFail("\(name) \(layer): different kinds of output")
                }
            }
        }
    }
}
