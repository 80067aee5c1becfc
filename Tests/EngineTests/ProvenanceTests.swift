// Provenance in artifacts: the quantized .h5 root attribute and the .fbz metadata section (format
// version 2) round-trip; a file without metadata is still format version 1; a format 1 file written
// before the metadata section existed still loads.
import AkidaFormats
import Engine
import Foundation
import JSON
import TestSupport
import XCTest

final class ProvenanceTests: XCTestCase {
    let provenance = Provenance(
        operation: "quantize", parameters: .object([("batch_size", .integer(32))]),
        parentSHA256: String(repeating: "a", count: 64),
        datasetSHA256: nil, createdAt: Date(timeIntervalSince1970: 1_800_000_000))

    func check(_ read: JSONValue?) throws {
        let value = try XCTUnwrap(read)
        XCTAssertEqual(value["spikeforge_version"]?.string, Provenance.spikeforgeVersion)
        XCTAssertEqual(value["reproduces"]?["quantizeml"]?.string, "1.2.5")
        XCTAssertEqual(value["reproduces"]?["cnn2snn"]?.string, "2.19.3")
        XCTAssertEqual(value["reproduces"]?["akida"]?.string, "2.19.3")
        XCTAssertEqual(value["operation"]?.string, "quantize")
        XCTAssertEqual(value["parameters"]?["batch_size"]?.int, 32)
        XCTAssertEqual(value["parent_model_sha256"]?.string, String(repeating: "a", count: 64))
        XCTAssertEqual(value["dataset_sha256"], .null)
        XCTAssertEqual(value["created_at"]?.string, "2027-01-15T08:00:00.000Z")
    }

    func testQuantizedH5CarriesProvenanceAndStillLoads() throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let calibration = CalibrationRequest(
            samples: try TensorFiles.firstArray(
                contentsOf: Fixtures.file("mlp", "calibration.npy"), subject: "samples"),
            batchSize: 16)
        let outcome = try ModelOperations.quantize(
            floatAt: Fixtures.file("mlp", "model.h5"),
            request: QuantizeRequest(qparams: .object([("input_dtype", .string("int8"))]), calibration: calibration))
        let url = directory.appendingPathComponent("q.h5")
        try outcome.save(to: url, provenance: provenance)
        try check(try Provenance.read(contentsOf: url))
        XCTAssertEqual(
            try ModelOperations.qConfig(at: url), try ModelOperations.qConfig(at: Fixtures.file("mlp", "quantized.h5")))
    }

    func testFBZMetadataRoundTripsAndFormatOneStillLoads() throws {
        let old = Fixtures.root.appendingPathComponent("fbz/digits_trained-format1.fbz")
        let oldBytes = [UInt8](try Data(contentsOf: old))
        XCTAssertEqual(oldBytes[8], 1, "the fixture is a format version 1 file")
        guard case .akida(let model, _) = try LoadedModel.load(contentsOf: old) else { return XCTFail("not Akida") }
        XCTAssertNil(try Provenance.read(contentsOf: old))
        guard
            case .akida(let reference, _) = try LoadedModel.load(
                contentsOf: Fixtures.file("digits_trained", "akida_v2.json"))
        else { return XCTFail("not Akida") }
        XCTAssertEqual(model, reference)

        // Without metadata the writer still produces the format 1 bytes; with it, format 2.
        XCTAssertEqual(try FBZ.encode(model), oldBytes)
        let blob = try FBZ.encode(model, metadata: .object([("provenance", provenance.json)]))
        XCTAssertEqual(blob[8], 2)
        let decoded = try FBZ.decodeWithMetadata(blob)
        XCTAssertEqual(decoded.model, model)
        let url = try makeTempDirectory().appendingPathComponent("m.fbz")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Data(blob).write(to: url)
        try check(try Provenance.read(contentsOf: url))
    }
}
