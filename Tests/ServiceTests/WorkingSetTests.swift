// ServiceTests: memory bounded by bytes — `batch_size` above what `worker_memory_budget_bytes`
// allows for the model is refused at submission with the limit, predict refuses (413) a body with
// more samples than that and points to `infer`, and an infer job at the limit runs.
import Foundation
import HTTPServer
import Service
import TestSupport
import XCTest

final class WorkingSetTests: XCTestCase {
    var harness: Harness!
    static let budget = 1 << 20

    override func setUpWithError() throws { harness = try Harness { $0.workerMemoryBudgetBytes = Self.budget } }
    override func tearDown() { harness.close() }

    func upload(_ path: String, _ caseName: String, _ name: String) throws -> String {
        let response = try harness.uploadMultipart(path, file: try Fixtures.bytes(caseName, name), filename: name)
        XCTAssertEqual(response.status, 201, response.text)
        return try XCTUnwrap(response.object["id"] as? String, response.text)
    }

    func infer(_ model: String, _ dataset: String, batchSize: Int) throws -> HTTPClientResponse {
        try harness.json(
            "POST", "/v1/jobs",
            ["type": "infer", "params": ["model_id": model, "dataset_id": dataset, "batch_size": batchSize]])
    }

    func testInferBatchSizeIsBoundedByTheMemoryBudget() throws {
        let model = try upload("/v1/models", "ds_cnn_kws", "model.h5")
        let dataset = try upload("/v1/datasets", "ds_cnn_kws", "inputs.npy")
        let huge = try infer(model, dataset, batchSize: 1_000_000)
        XCTAssertEqual(huge.status, 422, huge.text)
        XCTAssertEqual(huge.object["parameter"] as? String, "batch_size")
        let limit = try XCTUnwrap(Int(huge.object["limit"] as? String ?? ""), huge.text)
        XCTAssertGreaterThanOrEqual(limit, 1)
        let detail = huge.object["detail"] as? String ?? ""
        XCTAssertTrue(detail.contains("worker_memory_budget_bytes = \(Self.budget) allows at most \(limit)"), detail)

        XCTAssertEqual(try infer(model, dataset, batchSize: limit + 1).status, 422)
        let accepted = try infer(model, dataset, batchSize: limit)
        XCTAssertEqual(accepted.status, 202, accepted.text)
        let id = try XCTUnwrap(accepted.object["id"] as? String)
        let job = try harness.waitForJob(id, timeout: 60) { ["succeeded", "failed"].contains($0["state"] as? String) }
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job)")
        let shape = try harness.send("GET", "/v1/datasets/\(dataset)").object["shape"] as? [Int]
        XCTAssertNotNil(shape?.first)
        XCTAssertEqual((job["result"] as? [String: Any])?["rows"] as? Int, shape?.first, "\(job)")

        // predict runs at most `limit` samples a request and sends bigger batches to infer.
        let inputs = try TensorFixtures.rows(of: Fixtures.bytes("ds_cnn_kws", "inputs.npy"), repeatedTo: limit + 1)
        let predict = try harness.send(
            "POST", "/v1/models/\(model)/predict", headers: ["Content-Type": "application/octet-stream"], body: inputs)
        XCTAssertEqual(predict.status, 413, predict.text)
        XCTAssertEqual(predict.object["limit"] as? Int, limit)
        XCTAssertTrue((predict.object["detail"] as? String ?? "").contains("'infer' job"), predict.text)
    }
}

/// .npy bodies built from a fixture's rows.
enum TensorFixtures {
    /// The `.npy` `bytes` (a version 1.0 file) with its first row repeated to `count` rows.
    static func rows(of bytes: [UInt8], repeatedTo count: Int) throws -> [UInt8] {
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        let open = try XCTUnwrap(header.range(of: "'shape': ("))
        let close = try XCTUnwrap(header[open.upperBound...].firstIndex(of: ")"))
        let dims = header[open.upperBound..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let rowBytes = (bytes.count - 10 - headerLength) / dims[0]
        let shape = "(" + ([count] + dims.dropFirst()).map(String.init).joined(separator: ", ") + ")"
        var text = Array(
            (header[..<open.lowerBound] + "'shape': " + shape + header[header.index(after: close)...])
                .trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        let row = bytes[(10 + headerLength)..<(10 + headerLength + rowBytes)]
        var out: [UInt8] = Array(bytes[0..<8]) + [UInt8(text.count & 0xff), UInt8(text.count >> 8)] + text
        for _ in 0..<count { out += row }
        return out
    }
}

/// The built server's peak RSS while an infer job runs at the largest batch the budget allows,
/// on a dataset bigger than that budget (the dataset streams; one batch is held at a time).
final class InferMemoryTests: XCTestCase {
    func testInferAtTheBudgetsBatchStaysNearTheBudget() throws {
        let budget = 32 << 20
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("spikeforge-mem-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let server = try ServerProcess(
            dataDir: dataDir,
            environment: ["SPIKEFORGE_ACCESS_LOG": "false", "SPIKEFORGE_WORKER_MEMORY_BUDGET_BYTES": "\(budget)"])
        defer { server.kill(SIGTERM) }
        func upload(_ path: String, _ bytes: [UInt8]) throws -> String {
            let response = try HTTPClient.send(
                port: server.port, method: "POST", path: path, headers: ["Content-Type": "application/octet-stream"],
                body: bytes)
            XCTAssertEqual(response.status, 201, response.text)
            return try XCTUnwrap(response.object["id"] as? String, response.text)
        }
        let model = try upload("/v1/models?name=kws.h5", try Fixtures.bytes("ds_cnn_kws", "quantized.h5"))
        // 20000 samples of 49x10x1 float32: 39 MB, more than the budget.
        let rows = try TensorFixtures.rows(of: try Fixtures.bytes("ds_cnn_kws", "inputs.npy"), repeatedTo: 20_000)
        let dataset = try upload("/v1/datasets?name=rows.npy", rows)

        let refused = try server.send(
            "POST", "/v1/jobs",
            json: ["type": "infer", "params": ["model_id": model, "dataset_id": dataset, "batch_size": 1_000_000]])
        XCTAssertEqual(refused.status, 422, refused.text)
        let limit = try XCTUnwrap(Int(refused.object["limit"] as? String ?? ""), refused.text)
        let before = try NPZBombTests.peakRSS(server.process.processIdentifier)
        let accepted = try server.send(
            "POST", "/v1/jobs",
            json: ["type": "infer", "params": ["model_id": model, "dataset_id": dataset, "batch_size": limit]])
        XCTAssertEqual(accepted.status, 202, accepted.text)
        let id = try XCTUnwrap(accepted.object["id"] as? String)
        var state = ""
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline, !["succeeded", "failed"].contains(state) {
            usleep(100_000)
            state = try server.send("GET", "/v1/jobs/\(id)").object["state"] as? String ?? ""
        }
        XCTAssertEqual(state, "succeeded")
        let peak = try NPZBombTests.peakRSS(server.process.processIdentifier)
        print(
            "infer at batch \(limit) (budget \(budget >> 20) MiB): peak RSS \(peak >> 20) MiB, \(before >> 20) before")
        // The batch's working set is the budget; the model, the outputs and allocator slack add a
        // little — far from the whole 39 MB dataset plus a batch of it all.
        XCTAssertLessThan(peak - before, 2 * budget, "grew \((peak - before) >> 20) MiB")
    }
}
