// ServiceTests: one error vocabulary — an engine error reaches the client with the same problem
// fields whether a synchronous route or a job ran into it.
import Foundation
import HTTPServer
import Service
import TestSupport
import XCTest

final class ProblemParityTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws { harness = try Harness() }
    override func tearDown() { harness.close() }

    func upload(_ path: String, _ caseName: String, _ name: String) throws -> String {
        let bytes = try Fixtures.bytes(caseName, name)
        let response = try harness.uploadMultipart(path, file: bytes, filename: name)
        XCTAssertEqual(response.status, 201, response.text)
        return try XCTUnwrap(response.object["id"] as? String, response.text)
    }

    /// Images of ds_cnn_kws into the 64-feature MLP: predict refuses them synchronously, and an
    /// infer job over the same dataset is refused at submission with the same kind of problem,
    /// the shapes printed as numbers.
    func testPredictRouteAndInferJobReportTheSameProblem() throws {
        let modelID = try upload("/v1/models", "mlp", "model.h5")
        let datasetID = try upload("/v1/datasets", "ds_cnn_kws", "inputs.npy")
        let inputs = try Fixtures.bytes("ds_cnn_kws", "inputs.npy")

        let sync = try harness.send(
            "POST", "/v1/models/\(modelID)/predict",
            headers: ["Content-Type": "application/octet-stream", "Accept": "application/json"], body: inputs)
        XCTAssertEqual(sync.status, 422, sync.text)
        XCTAssertEqual(sync.headers["content-type"], "application/problem+json")

        let submitted = try harness.json(
            "POST", "/v1/jobs", ["type": "infer", "params": ["model_id": modelID, "dataset_id": datasetID]])
        XCTAssertEqual(submitted.status, 422, submitted.text)
        XCTAssertEqual(submitted.headers["content-type"], "application/problem+json")
        for key in ["type", "title"] {
            XCTAssertEqual(sync.object[key] as? String, submitted.object[key] as? String, key)
        }
        XCTAssertEqual(sync.object["status"] as? Int, submitted.object["status"] as? Int)
        XCTAssertEqual(submitted.object["parameter"] as? String, "dataset_id")
        let detail = submitted.object["detail"] as? String ?? ""
        XCTAssertTrue(
            detail.contains("samples of shape [49, 10, 1] do not fit the input 'input' of shape [64]"), detail)
        let queued = try harness.send("GET", "/v1/jobs").object["items"] as? [[String: Any]]
        XCTAssertEqual(queued?.count, 0, "nothing was queued")
        XCTAssertTrue((sync.object["type"] as? String ?? "").hasPrefix("urn:spikeforge:problem:"), sync.text)
        XCTAssertFalse((sync.object["detail"] as? String ?? "").isEmpty, sync.text)
    }

    /// A wrong model kind is the same 409 problem on every route that refuses it.
    func testWrongModelKindIsOneProblemType() throws {
        let modelID = try upload("/v1/models", "mlp", "model.h5")
        for (method, path) in [
            ("GET", "/v1/models/\(modelID)/config"), ("POST", "/v1/models/\(modelID)/check"),
            ("GET", "/v1/models/\(modelID)/download?format=json"),
        ] {
            let response = try harness.send(method, path)
            XCTAssertEqual(response.status, 409, "\(path): \(response.text)")
            XCTAssertEqual(response.object["type"] as? String, "urn:spikeforge:problem:wrong-model-kind", path)
            XCTAssertEqual(response.object["title"] as? String, "Not available for this kind of model", path)
        }
    }

    /// A corrupt model file is one precise problem everywhere: refused as an upload, and — stored
    /// as a model (as an older build might have accepted it) — on the predict route and in an
    /// infer job, all with the same fields.
    func testCorruptModelFilesReportTheSameProblemOnUploadRouteAndJob() throws {
        let model = try Fixtures.bytes("mlp", "model.h5")
        let fbzMagic: [UInt8] = [0x89, 0x53, 0x46, 0x42, 0x5A, 0x0D, 0x0A, 0x1A]
        let datasetID = try upload("/v1/datasets", "mlp", "inputs.npy")
        let inputs = try Fixtures.bytes("mlp", "inputs.npy")
        for (label, bytes, format, kind, slug) in [
            ("truncated .h5", Array(model.prefix(model.count / 2)), "h5", "float", "invalid-model"),
            ("corrupt .fbz", fbzMagic + [UInt8](repeating: 0x11, count: 64), "fbz", "akida", "invalid-akida-model"),
        ] {
            let uploaded = try harness.uploadMultipart("/v1/models", file: bytes, filename: "model.\(format)")
            XCTAssertEqual(uploaded.status, 422, "\(label): \(uploaded.text)")
            XCTAssertEqual(uploaded.object["type"] as? String, "urn:spikeforge:problem:" + slug, label)

            let stored = try harness.service.environment.storeModel(
                Data(bytes), name: "model.\(format)", format: format, kind: kind, parent: nil, sourceJob: nil)
            let sync = try harness.send(
                "POST", "/v1/models/\(stored.id)/predict",
                headers: ["Content-Type": "application/octet-stream", "Accept": "application/json"], body: inputs)
            let submitted = try harness.json(
                "POST", "/v1/jobs", ["type": "infer", "params": ["model_id": stored.id, "dataset_id": datasetID]])
            XCTAssertEqual(submitted.status, 202, submitted.text)
            let job = try harness.waitForJob(try XCTUnwrap(submitted.object["id"] as? String), timeout: 60) {
                ["succeeded", "failed"].contains($0["state"] as? String ?? "")
            }
            XCTAssertEqual(job["state"] as? String, "failed", "\(label): \(job)")
            let jobProblem = try XCTUnwrap(job["error"] as? [String: Any], "\(label): \(job)")
            for other in [sync.object, jobProblem] {
                for key in ["type", "title", "detail", "layer", "rule", "fix"] {
                    XCTAssertEqual(uploaded.object[key] as? String, other[key] as? String, "\(label): \(key)")
                }
                XCTAssertEqual(other["status"] as? Int, 422, label)
            }
            XCTAssertEqual(sync.status, 422, "\(label): \(sync.text)")
        }
    }
}
