// ServiceTests: `infer` streams its outputs — a two-output model run over 37 samples in batches
// of 5 stores one .npz whose arrays are exactly one synchronous predict over all 37 (rows from
// eight batches), and a cancelled infer leaves no scratch file and no dataset behind.
import Foundation
import HTTPServer
import NumPyIO
import TestSupport
import XCTest

final class InferStreamingTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws { harness = try Harness() }
    override func tearDown() { harness.close() }

    func upload(_ path: String, _ bytes: [UInt8], _ filename: String) throws -> String {
        let response = try harness.uploadMultipart(path, file: bytes, filename: filename)
        XCTAssertEqual(response.status, 201, response.text)
        return try XCTUnwrap(response.object["id"] as? String, response.text)
    }

    func submitInfer(_ model: String, _ dataset: String, batchSize: Int) throws -> String {
        let submitted = try harness.json(
            "POST", "/v1/jobs",
            ["type": "infer", "params": ["model_id": model, "dataset_id": dataset, "batch_size": batchSize]])
        XCTAssertEqual(submitted.status, 202, submitted.text)
        return try XCTUnwrap(submitted.object["id"] as? String, submitted.text)
    }

    /// The job files in the data directory's temp area.
    func scratchFiles() throws -> [String] {
        let tmp = harness.directory.appendingPathComponent("tmp")
        return try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix("job-") }
    }

    func testSeveralOutputsStreamIntoOneArchiveEqualToOnePredict() throws {
        let service = Fixtures.root.appendingPathComponent("service")
        let modelBytes = [UInt8](try Data(contentsOf: service.appendingPathComponent("two_outputs.h5")))
        let inputs = [UInt8](try Data(contentsOf: service.appendingPathComponent("two_outputs_inputs.npy")))
        let model = try upload("/v1/models", modelBytes, "two_outputs.h5")
        let dataset = try upload("/v1/datasets", inputs, "samples.npy")

        let predict = try harness.send(
            "POST", "/v1/models/\(model)/predict",
            headers: ["Content-Type": "application/octet-stream", "Accept": "application/octet-stream"], body: inputs)
        XCTAssertEqual(predict.status, 200, predict.text)
        let whole = try NPZ.decode(predict.body)
        XCTAssertEqual(whole.map(\.name), ["scores", "pooled"])
        XCTAssertEqual(whole.map(\.array.shape), [[37, 5], [37, 4]])

        let id = try submitInfer(model, dataset, batchSize: 5)
        let job = try harness.waitForJob(id, timeout: 120) { ["succeeded", "failed"].contains($0["state"] as? String) }
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job)")
        let result = try XCTUnwrap(job["result"] as? [String: Any], "\(job)")
        XCTAssertEqual(result["rows"] as? Int, 37)
        let outputs = try XCTUnwrap(result["outputs"] as? [[String: Any]])
        XCTAssertEqual(outputs.map { $0["name"] as? String }, ["scores", "pooled"])
        XCTAssertEqual(outputs.map { $0["shape"] as? [Int] }, [[37, 5], [37, 4]])
        XCTAssertEqual(outputs.map { $0["dtype"] as? String }, ["float32", "float32"])
        let progress = try XCTUnwrap(job["progress"] as? [String: Any])
        XCTAssertEqual(progress["done"] as? Int, 37)

        let datasetID = try XCTUnwrap(result["dataset_id"] as? String)
        let stored = try harness.send("GET", "/v1/datasets/\(datasetID)")
        XCTAssertEqual(stored.object["name"] as? String, "samples-outputs.npz", stored.text)
        let streamed = try NPZ.decode(try harness.send("GET", "/v1/datasets/\(datasetID)/download").body)
        XCTAssertEqual(streamed.map(\.name), whole.map(\.name))
        XCTAssertEqual(streamed.map(\.array), whole.map(\.array))
        XCTAssertEqual(try scratchFiles(), [])
    }

    func testAnEmptyDatasetFailsTheJobWithAReason() throws {
        let service = Fixtures.root.appendingPathComponent("service")
        let modelBytes = [UInt8](try Data(contentsOf: service.appendingPathComponent("two_outputs.h5")))
        let inputs = [UInt8](try Data(contentsOf: service.appendingPathComponent("two_outputs_inputs.npy")))
        let model = try upload("/v1/models", modelBytes, "two_outputs.h5")
        let dataset = try upload("/v1/datasets", try TensorFixtures.rows(of: inputs, repeatedTo: 0), "none.npy")
        let id = try submitInfer(model, dataset, batchSize: 5)
        let job = try harness.waitForJob(id, timeout: 60) { ["succeeded", "failed"].contains($0["state"] as? String) }
        XCTAssertEqual(job["state"] as? String, "failed", "\(job)")
        let detail = (job["error"] as? [String: Any])?["detail"] as? String ?? ""
        XCTAssertTrue(detail.contains("holds no rows: there is nothing to infer"), "\(job)")
        XCTAssertEqual(try scratchFiles(), [])
    }

    func testACancelledInferLeavesNoScratchFileAndNoDataset() throws {
        let model = try upload("/v1/models", try Fixtures.bytes("ds_cnn_kws", "quantized.h5"), "kws.h5")
        let rows = try TensorFixtures.rows(of: try Fixtures.bytes("ds_cnn_kws", "inputs.npy"), repeatedTo: 3000)
        let dataset = try upload("/v1/datasets", rows, "rows.npy")
        let id = try submitInfer(model, dataset, batchSize: 1)
        // Past its first batch, the job has its output file open.
        let running = try harness.waitForJob(id, timeout: 120) {
            let progress = $0["progress"] as? [String: Any]
            return progress?["phase"] as? String == "inference" && (progress?["done"] as? Int ?? 0) > 0
                || $0["state"] as? String != "running" && $0["state"] as? String != "queued"
        }
        XCTAssertEqual(running["state"] as? String, "running", "\(running)")
        // The outputs so far are on disk, in the job's one scratch file.
        let open = try scratchFiles()
        XCTAssertEqual(open.count, 1, "\(open)")
        let file = harness.directory.appendingPathComponent("tmp").appendingPathComponent(open.first ?? "")
        XCTAssertGreaterThan(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0, 128)
        XCTAssertEqual(try harness.send("DELETE", "/v1/jobs/\(id)").status, 202)
        let cancelled = try harness.waitForJob(id, timeout: 60) { $0["state"] as? String != "running" }
        XCTAssertEqual(cancelled["state"] as? String, "cancelled", "\(cancelled)")
        XCTAssertEqual(try scratchFiles(), [])
        XCTAssertEqual((try harness.send("GET", "/v1/datasets").object["items"] as? [Any])?.count, 1)
    }
}

/// The budget an infer job's batch gets is what its output writer leaves: the deflate state of each
/// member when the outputs go to a .npz, nothing for one .npy.
final class InferBudgetTests: XCTestCase {
    static let budget = 1 << 20

    func testTheOutputWritersBuffersComeOffTheBatchBudget() throws {
        let harness = try Harness { $0.workerMemoryBudgetBytes = Self.budget }
        defer { harness.close() }
        let service = Fixtures.root.appendingPathComponent("service")
        let model =
            try harness.uploadMultipart(
                "/v1/models", file: [UInt8](try Data(contentsOf: service.appendingPathComponent("two_outputs.h5"))),
                filename: "two_outputs.h5"
            ).object["id"] as? String
        let inputs = [UInt8](try Data(contentsOf: service.appendingPathComponent("two_outputs_inputs.npy")))
        let dataset = try harness.uploadMultipart("/v1/datasets", file: inputs, filename: "x.npy").object["id"]
        let refused = try harness.json(
            "POST", "/v1/jobs",
            ["type": "infer", "params": ["model_id": model ?? "", "dataset_id": dataset ?? "", "batch_size": 1 << 19]])
        XCTAssertEqual(refused.status, 422, refused.text)
        let inferLimit = try XCTUnwrap(Int(refused.object["limit"] as? String ?? ""), refused.text)
        let detail = refused.object["detail"] as? String ?? ""
        XCTAssertTrue(detail.contains(" the output writer holds allows at most \(inferLimit)"), detail)

        // predict holds no writer: its limit is the whole budget's.
        let many = try TensorFixtures.rows(of: inputs, repeatedTo: 1 << 12)
        let predict = try harness.send(
            "POST", "/v1/models/\(model ?? "")/predict", headers: ["Content-Type": "application/octet-stream"],
            body: many)
        XCTAssertEqual(predict.status, 413, predict.text)
        let predictLimit = try XCTUnwrap(predict.object["limit"] as? Int, predict.text)
        // Both limits divide by the same bytes a sample, which the predict limit brackets.
        let held = 2 * NPZRowWriter.heldBytesPerMember
        let perSample = (Self.budget / (predictLimit + 1) + 1)...(Self.budget / predictLimit)
        XCTAssertLessThan(inferLimit, predictLimit)
        XCTAssertTrue(perSample.contains { (Self.budget - held) / $0 == inferLimit }, "\(inferLimit), \(perSample)")
    }
}
