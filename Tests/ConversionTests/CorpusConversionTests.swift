// Conversion over the corpus from the reference's recorded quantities: every case's Akida JSON
// (both targets) equals cnn2snn's, and every refusal matches the reference's error.
// Fixtures/conversion holds, per case, the quantized model's model_config and the values of
// QuantizeML's recorders after `record_quantization_variables` (dumped with the reference stack).
import AkidaFormats
import AkidaModel
import Conversion
import Foundation
import KerasGraph
import TestSupport
import XCTest

enum ConversionFixtures {
    static let root = Fixtures.root.appendingPathComponent("conversion")

    static func graph(_ name: String) throws -> QGraph {
        let text = try String(contentsOf: root.appendingPathComponent("\(name).model_config.json"), encoding: .utf8)
        let file = KerasModelFile(modelConfig: try JSONValue(parsing: text), weights: [:], layerNames: [])
        return QGraph(graph: try LayerGraph(file: file))
    }

    static func records(_ name: String) throws -> QuantizationRecord {
        let text = try String(contentsOf: root.appendingPathComponent("\(name).records.json"), encoding: .utf8)
        return try QuantizationRecord(json: JSONValue(parsing: text))
    }

    /// Cases with a quantized model converted through QuantizeML (the legacy case is separate).
    static func cases() throws -> [String] {
        try Fixtures.corpusCases().filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0).records.json").path)
        }
    }

    static func expected(_ name: String, _ target: AkidaTarget) -> (json: String?, error: String?) {
        let dir = Fixtures.corpusCase(name)
        let json = try? String(contentsOf: dir.appendingPathComponent("akida_\(target.rawValue).json"), encoding: .utf8)
        let error = try? String(contentsOf: dir.appendingPathComponent("akida_\(target.rawValue)_error.txt"), encoding: .utf8)
        return (json, error)
    }
}

/// First difference between two Akida models, for readable failures.
func firstDifference(_ got: AkidaModel, _ want: AkidaModel) -> String? {
    if got.layers.map(\.name) != want.layers.map(\.name) {
        return "layers \(got.layers.map(\.name)) != \(want.layers.map(\.name))"
    }
    for (g, w) in zip(got.layers, want.layers) {
        if g.type != w.type { return "\(g.name): type \(g.type) != \(w.type)" }
        if g.parameters != w.parameters { return "\(g.name): parameters \(g.parameters) != \(w.parameters)" }
        if g.inbounds != w.inbounds { return "\(g.name): inbounds \(g.inbounds) != \(w.inbounds)" }
        if g.inputShapes != w.inputShapes || g.outputShape != w.outputShape {
            return "\(g.name): shapes \(g.inputShapes)->\(g.outputShape) != \(w.inputShapes)->\(w.outputShape)"
        }
        if Set(g.variables.keys) != Set(w.variables.keys) {
            return "\(g.name): variables \(g.variables.keys.sorted()) != \(w.variables.keys.sorted())"
        }
        for (key, gv) in g.variables.sorted(by: { $0.key < $1.key }) {
            let wv = w.variables[key]!
            if gv != wv {
                let gi = gv.floats, wi = wv.floats
                let at = zip(gi, wi).enumerated().first { $0.element.0 != $0.element.1 }
                return "\(g.name).\(key): \(gv.dtype)/\(gv.bitwidth)/\(gv.shape) vs \(wv.dtype)/\(wv.bitwidth)/\(wv.shape); first diff "
                    + (at.map { "at \($0.offset): \($0.element.0) != \($0.element.1)" } ?? "none")
            }
        }
    }
    if got.ipVersion != want.ipVersion { return "IP version \(got.ipVersion) != \(want.ipVersion)" }
    if got.inputShape != want.inputShape || got.outputShape != want.outputShape { return "model shapes differ" }
    return nil
}

final class CorpusConversionTests: XCTestCase {
    func testEveryCaseMatchesTheReference() throws {
        var equal: [String] = [], refused: [String] = []
        for name in try ConversionFixtures.cases() {
            let graph = try ConversionFixtures.graph(name)
            let records = try ConversionFixtures.records(name)
            for target in AkidaTarget.allCases {
                let expected = ConversionFixtures.expected(name, target)
                let label = "\(name) \(target.rawValue)"
                do {
                    let output = try Converter.convert(graph: graph, records: records, target: target)
                    guard let json = expected.json else {
                        XCTFail("\(label): converted, but the reference refused: \(expected.error ?? "?")")
                        continue
                    }
                    let want = try AkidaJSON.decode(json)
                    if let diff = firstDifference(output.model, want) {
                        XCTFail("\(label): \(diff)")
                        continue
                    }
                    XCTAssertEqual(AkidaJSON.encode(output.model), json, "\(label): JSON text differs")
                    equal.append(label)
                } catch let error as ConversionError {
                    guard let want = expected.error else {
                        XCTFail("\(label): refused, but the reference converted it: \(error)")
                        continue
                    }
                    XCTAssertEqual(error.referenceMessage.trimmingCharacters(in: .whitespacesAndNewlines),
                                   want.trimmingCharacters(in: .whitespacesAndNewlines), label)
                    refused.append(label)
                }
            }
        }
        print("equal JSON: \(equal.joined(separator: ", "))")
        print("matching refusals: \(refused.joined(separator: ", "))")
    }
}
