// ServiceTests: the model report and lineage over HTTP on a real server — a corpus float model is
// uploaded, quantized with its calibration samples and converted; the report's last-layer figures
// are checked against figures computed here from the reference's outputs (float_out.npy,
// quant_out.npy, akida_v2_out.npy), and the job path (Prefer: respond-async) returns the same report.
import Engine
import Foundation
import HTTPServer
import NumPyIO
import Service
import TestSupport
import XCTest

final class ReportAPITests: XCTestCase {
    var harness: Harness!
    let caseName = "digits_trained"

    override func setUpWithError() throws {
        harness = try Harness { configuration in
            if let path = EngineEndToEndTests.spikeforgeExecutable { configuration.inspectExecutable = path }
        }
    }

    override func tearDown() { harness.close() }

    func upload(_ path: String, _ file: String) throws -> String {
        let response = try harness.uploadMultipart(path, file: try Fixtures.bytes(caseName, file), filename: file)
        XCTAssertEqual(response.status, 201, response.text)
        return try XCTUnwrap(response.object["id"] as? String)
    }

    func runJob(_ type: String, _ params: [String: Any]) throws -> [String: Any] {
        let submitted = try harness.json("POST", "/v1/jobs", ["type": type, "params": params])
        XCTAssertEqual(submitted.status, 202, submitted.text)
        let job = try harness.waitForJob(try XCTUnwrap(submitted.object["id"] as? String), timeout: 300) {
            ["succeeded", "failed", "cancelled"].contains($0["state"] as? String ?? "")
        }
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(type) job: \(job)")
        return try XCTUnwrap(job["result"] as? [String: Any])
    }

    func snr(_ noisy: [Double], _ reference: [Double]) -> Double {
        let noise = zip(noisy, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        return 10 * log10(reference.map { $0 * $0 }.reduce(0, +) / noise)
    }

    func layer(_ body: [String: Any], _ name: String) throws -> [String: Any] {
        let report = try XCTUnwrap(body["report"] as? [String: Any])
        let layers = try XCTUnwrap(report["layers"] as? [[String: Any]])
        return try XCTUnwrap(layers.first { $0["name"] as? String == name }, name)
    }

    func testReportAndLineageOfAQuantizedAndConvertedModel() throws {
        let floatID = try upload("/v1/models", "model.h5")
        let calibrationID = try upload("/v1/datasets", "calibration.npy")
        let inputsID = try upload("/v1/datasets", "inputs.npy")
        let quantized = try runJob(
            "quantize", ["model_id": floatID, "dataset_id": calibrationID, "num_samples": 256, "batch_size": 32])
        let quantizedID = try XCTUnwrap(quantized["model_id"] as? String)
        let qa = try XCTUnwrap(quantized["calibration_qa"] as? [String: Any])
        XCTAssertEqual(qa["samples_used"] as? Int, 256)
        XCTAssertEqual(qa["random_samples"] as? Bool, false)
        XCTAssertEqual(qa["batches"] as? Int, 8)
        XCTAssertEqual((qa["layers"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["relu_0", "relu_1"])
        let akidaID = try XCTUnwrap(try runJob("convert", ["model_id": quantizedID])["model_id"] as? String)

        // Lineage: the quantized model's parent, calibration dataset and job.
        let model = try harness.send("GET", "/v1/models/\(quantizedID)").object
        let lineage = try XCTUnwrap(model["lineage"] as? [String: Any])
        XCTAssertEqual(lineage["parentModelId"] as? String, floatID)
        XCTAssertEqual(lineage["datasetId"] as? String, calibrationID)
        XCTAssertEqual(lineage["jobType"] as? String, "quantize")
        XCTAssertEqual(lineage["jobId"] as? String, model["sourceJobId"] as? String)

        // Provenance inside the artifacts: the parent's and the dataset's sha256.
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (id, parent, dataset, file) in [
            (quantizedID, floatID, calibrationID as String?, "q.h5"), (akidaID, quantizedID, nil, "a.fbz"),
        ] {
            let download = try harness.send("GET", "/v1/models/\(id)/download")
            XCTAssertEqual(download.status, 200)
            let url = directory.appendingPathComponent(file)
            try Data(download.body).write(to: url)
            let provenance = try XCTUnwrap(try Provenance.read(contentsOf: url))
            XCTAssertEqual(
                provenance["parent_model_sha256"]?.string,
                try harness.send("GET", "/v1/models/\(parent)").object["sha256"] as? String)
            XCTAssertEqual(
                provenance["dataset_sha256"]?.string,
                try dataset.map { try harness.send("GET", "/v1/datasets/\($0)").object["sha256"] as? String } ?? nil)
            XCTAssertEqual(provenance["operation"]?.string, file == "q.h5" ? "quantize" : "convert")
            XCTAssertEqual(provenance["parameters"]?["model_id"]?.string, parent)
        }

        // Default samples: the calibration set.
        let byDefault = try harness.send("GET", "/v1/models/\(quantizedID)/report")
        XCTAssertEqual(byDefault.status, 200, byDefault.text)
        XCTAssertEqual(byDefault.object["dataset_id"] as? String, calibrationID)
        XCTAssertEqual((byDefault.object["report"] as? [String: Any])?["samples"] as? Int, 256)

        // From the Akida model: all three representations on the test inputs.
        let response = try harness.send("GET", "/v1/models/\(akidaID)/report?dataset_id=\(inputsID)")
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(response.object["float_model_id"] as? String, floatID)
        XCTAssertEqual(response.object["quantized_model_id"] as? String, quantizedID)
        let last = try layer(response.object, "dequantizer")
        let float = try NPY.read(contentsOf: Fixtures.file(caseName, "float_out.npy")).doubles()
        let quant = try NPY.read(contentsOf: Fixtures.file(caseName, "quant_out.npy")).doubles()
        let akida = try NPY.read(contentsOf: Fixtures.file(caseName, "akida_v2_out.npy")).doubles()
        let vsFloat = try XCTUnwrap(last["quantized_vs_float"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(vsFloat["snr_db"] as? Double), snr(quant, float), accuracy: 0.01)
        let vsQuantized = try XCTUnwrap(last["akida_vs_quantized"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(vsQuantized["snr_db"] as? Double), snr(akida, quant), accuracy: 1e-6)
        XCTAssertEqual(
            try XCTUnwrap(vsQuantized["max_abs"] as? Double),
            zip(akida, quant).map { abs($0 - $1) }.max()!, accuracy: 1e-6)
        let marks = try XCTUnwrap(try layer(response.object, "dense")["marks"] as? [[String: Any]])
        XCTAssertTrue(marks.contains { $0["rule"] as? String == "flatten-shift-dropped" })

        // A report through a job (300 samples), found again by content afterwards.
        let path = "/v1/models/\(quantizedID)/report?dataset_id=\(inputsID)&akida_model_id=\(akidaID)&max_samples=300"
        let pending = try harness.send("GET", path, headers: ["Prefer": "respond-async"])
        XCTAssertEqual(pending.status, 202, pending.text)
        let jobID = try XCTUnwrap(pending.object["id"] as? String)
        XCTAssertEqual(pending.headers["location"], "/v1/jobs/\(jobID)")
        let job = try harness.waitForJob(jobID, timeout: 300) { $0["state"] as? String == "succeeded" }
        XCTAssertEqual(job["type"] as? String, "report")
        let cached = try harness.send("GET", path, headers: ["Prefer": "respond-async"])
        XCTAssertEqual(cached.status, 200, cached.text)
        XCTAssertEqual((cached.object["report"] as? [String: Any])?["samples"] as? Int, 300)
        XCTAssertEqual(
            (try layer(cached.object, "relu_0")["akida_vs_quantized"] as? [String: Any])?["max_abs"] as? Double, 0)

        // Evaluate: the Akida model and its ancestors, labels as a second dataset or in one .npz.
        let accuracy = try XCTUnwrap(Fixtures.meta(caseName)["accuracy"] as? [String: Double])
        let labelsID = try upload("/v1/datasets", "labels.npy")
        let npz = try NPZ.encode([
            ("x", try NPY.read(contentsOf: Fixtures.file(caseName, "inputs.npy"))),
            ("y", try NPY.read(contentsOf: Fixtures.file(caseName, "labels.npy"))),
        ])
        let labelled = try harness.uploadMultipart("/v1/datasets", file: npz, filename: "digits.npz")
        XCTAssertEqual(labelled.status, 201, labelled.text)
        for params in [
            ["model_id": akidaID, "dataset_id": inputsID, "labels_dataset_id": labelsID],
            ["model_id": akidaID, "dataset_id": try XCTUnwrap(labelled.object["id"] as? String)],
        ] {
            let scores = try XCTUnwrap(try runJob("evaluate", params)["representations"] as? [[String: Any]])
            XCTAssertEqual(scores.map { $0["model_id"] as? String }, [akidaID, quantizedID, floatID])
            for (score, key) in zip(scores, ["akida_v2", "quantized", "float"]) {
                XCTAssertEqual(try XCTUnwrap(score["top1"] as? Double), try XCTUnwrap(accuracy[key]), accuracy: 1e-12)
                XCTAssertEqual((score["confusion"] as? [[Int]])?.count, 10)
            }
        }

        // Random calibration samples (no dataset): called out, and the report then needs a dataset.
        let random = try runJob("quantize", ["model_id": floatID, "num_samples": 64, "batch_size": 32])
        let randomQA = try XCTUnwrap(random["calibration_qa"] as? [String: Any])
        XCTAssertEqual(randomQA["random_samples"] as? Bool, true)
        XCTAssertTrue((randomQA["advice"] as? [String] ?? []).contains { $0.contains("random") })
        let randomID = try XCTUnwrap(random["model_id"] as? String)
        let noSamples = try harness.send("GET", "/v1/models/\(randomID)/report")
        XCTAssertEqual(noSamples.status, 422, noSamples.text)
        XCTAssertTrue((noSamples.object["detail"] as? String ?? "").contains("dataset_id"), noSamples.text)
        XCTAssertEqual(try harness.send("GET", "/v1/models/\(randomID)/report?dataset_id=\(inputsID)").status, 200)

        // A float model has nothing to compare with.
        XCTAssertEqual(try harness.send("GET", "/v1/models/\(floatID)/report").status, 422)
    }
}
