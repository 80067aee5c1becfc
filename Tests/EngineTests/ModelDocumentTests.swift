// Engine operations over corpus files: descriptions and summaries of every model kind equal the
// reference's, the q_config of a quantized model equals quantizeml's dump_config, and conversion
// through ModelOperations gives akida's summary.
import Engine
import Foundation
import TestSupport
import XCTest

final class ModelDocumentTests: XCTestCase {
    let cases = ["mlp", "ds_cnn_kws", "residual_add", "seed_float_input"]

    func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    func testKerasDescriptionsAndSummariesMatchTheReference() throws {
        for c in cases {
            let meta = try Fixtures.meta(c)
            let model = try XCTUnwrap(meta["model"] as? [String: Any])
            let document = try ModelDocument.read(contentsOf: Fixtures.file(c, "model.h5"))
            XCTAssertEqual(document.summaryText, try text(Fixtures.file(c, "float_summary.txt")), c)
            let info = document.info
            XCTAssertEqual(info.kind, .float, c)
            XCTAssertEqual(info.totalParams, model["params"] as? Int, c)
            XCTAssertEqual(info.layers.map { "\($0.name):\($0.className)" }, model["layers"] as? [String], c)
            XCTAssertEqual(info.modelClass, model["class"] as? String, c)
            XCTAssertEqual(info.inputs.first?.shape, (model["input_shape"] as? [Any])?.map { $0 as? Int }, c)

            let quantized = try ModelDocument.read(contentsOf: Fixtures.file(c, "quantized.h5")).info
            XCTAssertEqual(quantized.kind, .quantized, c)
            XCTAssertEqual(
                quantized.layers.map { "\($0.name):\($0.className.split(separator: ">").last ?? "")" },
                meta["quantized_layers"] as? [String], c)
        }
    }

    func testAkidaDescriptionsAndSummariesMatchTheReference() throws {
        for c in cases {
            let meta = try Fixtures.meta(c)
            let v2 = try XCTUnwrap((meta["conversions"] as? [String: Any])?["v2"] as? [String: Any])
            let document = try ModelDocument.read(contentsOf: Fixtures.file(c, "akida_v2.json"))
            XCTAssertEqual(document.summaryText, try text(Fixtures.file(c, "akida_v2_summary.txt")), c)
            let info = document.info
            XCTAssertEqual(info.kind, .akida, c)
            XCTAssertEqual(info.format, .json, c)
            XCTAssertEqual(info.layers.map { "\($0.name):\($0.className)" }, v2["layers"] as? [String], c)
            XCTAssertEqual(
                info.inputs.first?.shape, [nil] + ((v2["input_shape"] as? [Int]) ?? []).map { Optional($0) }, c)
            XCTAssertEqual(
                info.outputs.first?.shape, [nil] + ((v2["output_shape"] as? [Int]) ?? []).map { Optional($0) }, c)
        }
    }

    func testQConfigAndConversionThroughOperations() throws {
        for c in cases {
            let config = try ModelOperations.qConfig(at: Fixtures.file(c, "quantized.h5"))
            let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.file(c, "q_config.json")))
            let ours = try JSONSerialization.jsonObject(with: Data(config.serialized().utf8))
            XCTAssertEqual(ours as? NSDictionary, reference as? NSDictionary, c)

            let converted = try ModelOperations.convert(quantizedAt: Fixtures.file(c, "quantized.h5"), target: .v2)
            XCTAssertEqual(
                ModelDocument.akida(converted.model, .fbz).summaryText,
                try text(Fixtures.file(c, "akida_v2_summary.txt")), c)
            XCTAssertTrue(
                try ModelOperations.check(quantizedAt: Fixtures.file(c, "quantized.h5"), target: .v2).compatible, c)
        }
        XCTAssertThrowsError(try ModelOperations.qConfig(at: Fixtures.file("mlp", "model.h5"))) { error in
            XCTAssertEqual(
                error as? EngineError,
                .wrongKind("the model is not a quantized Keras model; quantize a float model first"))
        }
    }
}
