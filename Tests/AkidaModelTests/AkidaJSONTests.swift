// Akida JSON and summary against every corpus model: byte-identical JSON round trip and
// summary text equal to akida's Model.summary() output.
import AkidaFormats
import AkidaModel
import XCTest

final class AkidaJSONTests: XCTestCase {
    func testCorpusHasAkidaModelsOfBothVersions() throws {
        let cases = try AkidaCase.all()
        XCTAssertGreaterThanOrEqual(cases.filter { $0.version == "v2" }.count, 10)
        XCTAssertGreaterThanOrEqual(cases.filter { $0.version == "v1" }.count, 4)
    }

    func testJSONRoundTripIsByteIdentical() throws {
        for c in try AkidaCase.all() {
            let text = try c.jsonText()
            let model = try AkidaJSON.decode(text)
            // A v2 conversion is IP v2, or pico for a model with StatefulRecurrent layers.
            XCTAssertEqual(model.ipVersion.isV2Family ? "v2" : "v1", c.version, c.label)
            XCTAssertEqual(model.ipVersion == .pico, model.layers.contains { $0.type == .statefulRecurrent }, c.label)
            let written = AkidaJSON.encode(model)
            XCTAssertTrue(written == text, "\(c.label): written JSON differs from akida's")
            XCTAssertEqual(try AkidaJSON.decode(written), model, c.label)
        }
    }

    func testSummaryTextEqualsAkida() throws {
        for c in try AkidaCase.all() {
            let expected = try String(contentsOf: c.file("_summary.txt"), encoding: .utf8)
            let got = AkidaSummary(model: try c.model()).text
            XCTAssertEqual(got, expected, c.label)
        }
    }

    func testVersionMismatchIsRefused() throws {
        let c = try XCTUnwrap(AkidaCase.all().first)
        let text = try c.jsonText().replacingOccurrences(
            of: "\"Akida version\": \"2.19.3\"",
            with: "\"Akida version\": \"2.18.0\"")
        XCTAssertThrowsError(try AkidaJSON.decode(text)) { error in
            XCTAssertTrue("\(error)".contains("2.18.0"), "\(error)")
        }
    }

    func testMalformedJSONIsRejectedWithPosition() {
        XCTAssertThrowsError(try AkidaJSON.decode("{\"Akida version\": \"2.19.3\", \"layers\": [")) { error in
            XCTAssertTrue("\(error)".contains("byte"), "\(error)")
        }
    }
}

final class SummaryJSONTests: XCTestCase {
    func testSummaryJSONListsTheLayersOfTheTextTable() throws {
        for c in try AkidaCase.all() {
            let model = try c.model()
            let summary = AkidaSummary(model: model)
            let parsed = try JSONSerialization.jsonObject(with: Data(summary.json.utf8)) as? [String: Any]
            XCTAssertEqual(parsed?["layer_count"] as? Int, model.layers.count, c.label)
            let sequences = parsed?["sequences"] as? [[String: Any]] ?? []
            let names = (sequences.first?["layers"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            let text = try String(contentsOf: c.file("_summary.txt"), encoding: .utf8)
            for name in names { XCTAssertTrue(text.contains("\(name) ("), "\(c.label): \(name)") }
            XCTAssertEqual(
                names.count, model.layers.filter { $0.type != .inputData || $0.inbounds.count > 0 }.count, c.label)
        }
    }
}

final class VariableValidationTests: XCTestCase {
    func testLowerStoredBitwidthIsRefusedAsAkidaDoes() throws {
        let c = try XCTUnwrap(AkidaCase.all().first { $0.name == "mlp" })
        var model = try c.model()
        let index = try XCTUnwrap(model.layers.firstIndex { $0.name == "dense_0" })
        model.layers[index].variables["weights"]?.bitwidth = 4
        XCTAssertThrowsError(try model.validateVariables()) { error in
            XCTAssertTrue(
                "\(error)".contains(
                    "must be higher or equal to the actual bitwidth (8) of weights from the layer 'dense_0'"),
                "\(error)")
        }
    }

    func testWeightsOutsideWeightsBitsAreRefused() throws {
        let v2 = try XCTUnwrap(AkidaCase.all().first { $0.name == "ds_cnn_kws_844" })
        var model = try v2.model()
        let index = try XCTUnwrap(model.layers.firstIndex { $0.parameters["weights_bits"] == 4 })
        var w = try XCTUnwrap(model.layers[index].variables["weights"])
        w.values = .integers([-9] + w.integers.dropFirst())
        w.bitwidth = 8
        model.layers[index].variables["weights"] = w
        XCTAssertThrowsError(try model.validateVariables()) { error in
            XCTAssertTrue("\(error)".contains("Minimum authorized value is -8"), "\(error)")
        }
        // Akida 1.0 weights are symmetric: -8 is out of range for 4 bits.
        let v1 = try XCTUnwrap(AkidaCase.all().first { $0.name == "v1_convnet" })
        var m1 = try v1.model()
        let i1 = try XCTUnwrap(m1.layers.firstIndex { $0.parameters["weights_bits"] == 4 })
        var w1 = try XCTUnwrap(m1.layers[i1].variables["weights"])
        w1.values = .integers([-8] + w1.integers.dropFirst())
        w1.bitwidth = 8
        m1.layers[i1].variables["weights"] = w1
        XCTAssertThrowsError(try m1.validateVariables()) { error in
            XCTAssertTrue("\(error)".contains("Minimum authorized value is -7"), "\(error)")
        }
    }
}
