// ServiceTests: the engine over HTTP, end to end on a real server with real SQLite — upload a corpus
// float model and its calibration samples, quantize with the reference's arguments, convert for
// Akida 2.0 and predict; every result is compared with the reference stack's files.
import Foundation
import HTTPServer
import NumPyIO
import Service
import TestSupport
import XCTest

final class EngineEndToEndTests: XCTestCase {
    var harness: Harness!

    /// The built `spikeforge` next to the test bundle: uploads are then parsed in a child process,
    /// as in production. Without it (a partial build) they are parsed in-process.
    static var spikeforgeExecutable: String? {
        let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("spikeforge")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate.path : nil
    }

    override func setUpWithError() throws {
        harness = try Harness { configuration in
            if let path = EngineEndToEndTests.spikeforgeExecutable { configuration.inspectExecutable = path }
        }
    }

    override func tearDown() { harness.close() }

    func upload(_ path: String, _ bytes: [UInt8], _ filename: String) throws -> [String: Any] {
        let response = try harness.uploadMultipart(path, file: bytes, filename: filename)
        XCTAssertEqual(response.status, 201, response.text)
        return response.object
    }

    func runJob(_ type: String, _ params: [String: Any]) throws -> [String: Any] {
        let submitted = try harness.json("POST", "/v1/jobs", ["type": type, "params": params])
        XCTAssertEqual(submitted.status, 202, submitted.text)
        let id = try XCTUnwrap(submitted.object["id"] as? String, submitted.text)
        let job = try harness.waitForJob(id, timeout: 300) {
            ["succeeded", "failed", "cancelled"].contains($0["state"] as? String ?? "")
        }
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(type) job: \(job)")
        return job
    }

    func predict(_ modelID: String, _ body: [UInt8], accept: String) throws -> HTTPClientResponse {
        try harness.send(
            "POST", "/v1/models/\(modelID)/predict",
            headers: ["Content-Type": "application/octet-stream", "Accept": accept], body: body)
    }

    func testMLPPipelineMatchesReference() throws { try pipeline("mlp") }

    func testResidualPipelineMatchesReference() throws { try pipeline("residual_add") }

    /// Upload, quantize with the case's arguments, recalibrate, check, convert for Akida 2.0 and
    /// predict (synchronously and as an infer job); compare with the reference's files.
    func pipeline(_ name: String) throws {
        let meta = try Fixtures.meta(name)
        let args = try XCTUnwrap(meta["quantize_args"] as? [String: Any])
        let modelMeta = try XCTUnwrap(meta["model"] as? [String: Any])

        // Upload: the description comes from parsing the file.
        let float = try upload("/v1/models", try Fixtures.bytes(name, "model.h5"), "model.h5")
        let floatID = try XCTUnwrap(float["id"] as? String)
        XCTAssertEqual(float["kind"] as? String, "float")
        let description = try XCTUnwrap(
            harness.send("GET", "/v1/models/\(floatID)").object["description"] as? [String: Any])
        let layers = try XCTUnwrap(description["layers"] as? [[String: Any]])
        XCTAssertEqual(
            layers.map { "\($0["name"] as? String ?? ""):\($0["className"] as? String ?? "")" },
            modelMeta["layers"] as? [String])
        XCTAssertEqual(description["totalParams"] as? Int, modelMeta["params"] as? Int)
        let summary = try harness.send("GET", "/v1/models/\(floatID)/summary")
        XCTAssertEqual(summary.status, 200)
        XCTAssertEqual(summary.text, String(decoding: try Fixtures.bytes(name, "float_summary.txt"), as: UTF8.self))
        XCTAssertEqual(try harness.send("GET", "/v1/models/\(floatID)/config").status, 409)

        // Float predict within the corpus tolerance.
        let floatOut = try NPY.decode(
            try predict(floatID, try Fixtures.bytes(name, "inputs.npy"), accept: "application/x-npy").body)
        let want = try NPY.decode(try Fixtures.bytes(name, "float_out.npy"))
        XCTAssertEqual(floatOut.shape, want.shape)
        let tolerance = try XCTUnwrap((meta["tolerances"] as? [String: Any])?["float_out"] as? [String: Any])
        let atol = try XCTUnwrap(tolerance["atol"] as? Double), rtol = try XCTUnwrap(tolerance["rtol"] as? Double)
        for (got, expected) in zip(floatOut.doubles(), want.doubles()) {
            XCTAssertLessThanOrEqual(abs(got - expected), atol + rtol * abs(expected))
        }

        // Quantize with the reference's arguments and calibration samples.
        let samples = try upload(
            "/v1/datasets", try Fixtures.bytes(name, try XCTUnwrap(args["samples"] as? String)), "calibration.npy")
        var params: [String: Any] = ["model_id": floatID, "dataset_id": try XCTUnwrap(samples["id"] as? String)]
        for key in ["qparams", "q_config", "num_samples", "batch_size", "epochs"] where !(args[key] is NSNull) {
            params[key] = args[key]
        }
        let quantizeJob = try runJob("quantize", params)
        let quantizedID = try XCTUnwrap(
            (quantizeJob["result"] as? [String: Any])?["model_id"] as? String, "\(quantizeJob)")
        // The corpus models sanitize cleanly: the reference's warnings and SpikeForge's notes are
        // separate lists, and no sanitizing step was skipped.
        XCTAssertEqual((quantizeJob["result"] as? [String: Any])?["notes"] as? [String], [], "\(quantizeJob)")
        let calibrationSteps = try XCTUnwrap(args["num_samples"] as? Int) / max(1, args["batch_size"] as? Int ?? 1)
        let progress = quantizeJob["progress"] as? [String: Any]
        XCTAssertEqual(progress?["phase"] as? String, "calibration")
        XCTAssertEqual(
            progress?["total"] as? Int, calibrationSteps * (args["epochs"] as? Int ?? 1),
            "one progress step per calibration batch")
        let quantized = harness.getObject("/v1/models/\(quantizedID)")
        XCTAssertEqual(quantized["kind"] as? String, "quantized")
        XCTAssertEqual(quantized["parentModelId"] as? String, floatID)
        XCTAssertEqual(quantized["sourceJobId"] as? String, quantizeJob["id"] as? String)
        let config = try harness.send("GET", "/v1/models/\(quantizedID)/config")
        XCTAssertEqual(config.status, 200, config.text)
        let referenceConfig = try JSONSerialization.jsonObject(with: Data(try Fixtures.bytes(name, "q_config.json")))
        XCTAssertEqual(config.json() as? NSDictionary, referenceConfig as? NSDictionary)
        let quantizedOut = try predict(quantizedID, try Fixtures.bytes(name, "inputs.npy"), accept: "application/x-npy")
        XCTAssertEqual(quantizedOut.status, 200, quantizedOut.text)
        XCTAssertEqual(try NPY.decode(quantizedOut.body), try NPY.decode(try Fixtures.bytes(name, "quant_out.npy")))
        let h5 = try harness.send("GET", "/v1/models/\(quantizedID)/download")
        XCTAssertEqual(Array(h5.body.prefix(4)), [0x89, 0x48, 0x44, 0x46])

        // Recalibration against the float parent gives a new quantized model.
        let calibrateJob = try runJob(
            "calibrate",
            [
                "model_id": quantizedID, "dataset_id": params["dataset_id"] as Any,
                "num_samples": params["num_samples"] as Any, "batch_size": params["batch_size"] as Any,
            ])
        let recalibratedID = try XCTUnwrap(
            (calibrateJob["result"] as? [String: Any])?["model_id"] as? String, "\(calibrateJob)")
        XCTAssertEqual(harness.getObject("/v1/models/\(recalibratedID)")["parentModelId"] as? String, quantizedID)

        // Compatibility: as the reference, for Akida 2.0 and (where it refused) not for 1.0.
        let conversions = try XCTUnwrap(meta["conversions"] as? [String: Any])
        for version in ["v1", "v2"] {
            let report = try harness.send("POST", "/v1/models/\(quantizedID)/check?akida_version=\(version)").object
            let referenceOK = try XCTUnwrap((conversions[version] as? [String: Any])?["ok"] as? Bool)
            XCTAssertEqual(report["compatible"] as? Bool, referenceOK, "\(version): \(report)")
        }

        // Convert for Akida 2.0: summary, JSON and simulated outputs equal the reference's.
        let convertJob = try runJob("convert", ["model_id": quantizedID, "akida_version": "v2"])
        let akidaID = try XCTUnwrap((convertJob["result"] as? [String: Any])?["model_id"] as? String, "\(convertJob)")
        let akida = harness.getObject("/v1/models/\(akidaID)")
        XCTAssertEqual(akida["kind"] as? String, "akida")
        XCTAssertEqual(akida["format"] as? String, "fbz")
        XCTAssertEqual(
            try harness.send("GET", "/v1/models/\(akidaID)/summary").text,
            String(decoding: try Fixtures.bytes(name, "akida_v2_summary.txt"), as: UTF8.self))
        let json = try harness.send("GET", "/v1/models/\(akidaID)/download?format=json")
        XCTAssertEqual(json.status, 200)
        XCTAssertEqual(
            json.json() as? NSDictionary,
            try JSONSerialization.jsonObject(with: Data(try Fixtures.bytes(name, "akida_v2.json"))) as? NSDictionary)

        let akidaInputs = try Fixtures.bytes(name, try XCTUnwrap(meta["akida_input_file"] as? String))
        let reference = try NPY.decode(try Fixtures.bytes(name, "akida_v2_out.npy"))
        let out = try predict(akidaID, akidaInputs, accept: "application/octet-stream")
        XCTAssertEqual(out.status, 200, out.text)
        XCTAssertEqual(try NPY.decode(out.body), reference)
        let asJSON = try predict(akidaID, akidaInputs, accept: "application/json").object
        let output = try XCTUnwrap((asJSON["outputs"] as? [[String: Any]])?.first)
        XCTAssertEqual(output["shape"] as? [Int], reference.shape)
        // Foundation's JSON parser on Linux is not correctly rounded: compare at float32 precision.
        XCTAssertEqual((output["values"] as? [Double])?.map { Float($0) }, reference.floats().scalars)
        XCTAssertEqual((asJSON["layerSparsity"] as? [Any])?.isEmpty, false)

        // The same batch as an infer job: the outputs become a dataset.
        let inputs = try upload("/v1/datasets", akidaInputs, "inputs.npy")
        let inferJob = try runJob(
            "infer", ["model_id": akidaID, "dataset_id": try XCTUnwrap(inputs["id"] as? String), "batch_size": 3])
        let outputsID = try XCTUnwrap((inferJob["result"] as? [String: Any])?["dataset_id"] as? String, "\(inferJob)")
        XCTAssertEqual(try NPY.decode(try harness.send("GET", "/v1/datasets/\(outputsID)/download").body), reference)
    }

    func testCorruptModelsAreRefusedAndTheServerSurvives() throws {
        let model = try Fixtures.bytes("mlp", "model.h5")
        var flipped = model
        for i in stride(from: 64, to: flipped.count, by: 97) { flipped[i] ^= 0x5A }
        for (label, bytes) in [
            ("truncated", Array(model.prefix(model.count / 2))), ("bit-flipped", flipped),
            ("header only", Array(model.prefix(8))),
        ] {
            let response = try harness.uploadMultipart("/v1/models", file: bytes, filename: "\(label).h5")
            XCTAssertEqual(response.status, 422, "\(label): \(response.text)")
            XCTAssertEqual(response.headers["content-type"], "application/problem+json")
            XCTAssertFalse((response.object["detail"] as? String ?? "").isEmpty, label)
        }
        let notKeras = [UInt8](try Data(contentsOf: Fixtures.root.appendingPathComponent("service/not_keras.h5")))
        let lambda = try Fixtures.bytes("neg_lambda", "model.h5")
        for (label, bytes, mentions) in [("not Keras", notKeras, "model_config"), ("Lambda", lambda, "Lambda")] {
            let response = try harness.uploadMultipart("/v1/models", file: bytes, filename: "model.h5")
            XCTAssertEqual(response.status, 422, "\(label): \(response.text)")
            XCTAssertTrue((response.object["detail"] as? String ?? "").contains(mentions), "\(label): \(response.text)")
        }
        XCTAssertEqual(
            (try harness.send("GET", "/v1/models").object["items"] as? [Any])?.count, 0, "nothing refused is stored")
        XCTAssertEqual(try harness.send("GET", "/healthz").status, 200)
    }

    /// A running quantization stops at its next calibration batch when the job is cancelled.
    func testQuantizeIsCancelledDuringCalibration() throws {
        let float = try upload("/v1/models", try Fixtures.bytes("ds_cnn_kws", "model.h5"), "model.h5")
        let samples = try upload("/v1/datasets", try Fixtures.bytes("ds_cnn_kws", "calibration.npy"), "calibration.npy")
        let submitted = try harness.json(
            "POST", "/v1/jobs",
            [
                "type": "quantize",
                "params": [
                    "model_id": try XCTUnwrap(float["id"] as? String),
                    "dataset_id": try XCTUnwrap(samples["id"] as? String),
                    "batch_size": 1, "epochs": 1000,
                ],
            ])
        XCTAssertEqual(submitted.status, 202, submitted.text)
        let id = try XCTUnwrap(submitted.object["id"] as? String)
        let calibrating = try harness.waitForJob(id, timeout: 120) {
            ($0["progress"] as? [String: Any])?["phase"] as? String == "calibration"
        }
        XCTAssertEqual(calibrating["state"] as? String, "running", "\(calibrating)")
        XCTAssertEqual(try harness.send("DELETE", "/v1/jobs/\(id)").status, 202)
        let cancelled = try harness.waitForJob(id, timeout: 60) { $0["state"] as? String != "running" }
        XCTAssertEqual(cancelled["state"] as? String, "cancelled", "\(cancelled)")
        XCTAssertEqual(
            (try harness.send("GET", "/v1/models").object["items"] as? [Any])?.count, 1, "no model from a cancelled job"
        )
    }

    /// The parser runs in a child process: a crashing or hanging parser costs a 422, not the server.
    func testCrashingAndHangingParsersAreContained() throws {
        let scripts = harness.directory.appendingPathComponent("scripts")
        try FileManager.default.createDirectory(at: scripts, withIntermediateDirectories: true)
        for (script, body, expected) in [
            ("crash.sh", "kill -SEGV $$", "crashed the parser"), ("hang.sh", "exec sleep 60", "longer than 1 s"),
        ] {
            let path = scripts.appendingPathComponent(script)
            try Data("#!/bin/sh\n\(body)\n".utf8).write(to: path)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path.path)
            let contained = try Harness { configuration in
                configuration.inspectExecutable = path.path
                configuration.inspectTimeoutSeconds = 1
            }
            defer { contained.close() }
            let response = try contained.uploadMultipart(
                "/v1/models", file: try Fixtures.bytes("mlp", "model.h5"), filename: "model.h5")
            XCTAssertEqual(response.status, 422, response.text)
            XCTAssertTrue((response.object["detail"] as? String ?? "").contains(expected), response.text)
            XCTAssertEqual(try contained.send("GET", "/healthz").status, 200)
        }
    }

    func testEngineRequestsAreValidated() throws {
        let float = try upload("/v1/models", try Fixtures.bytes("mlp", "model.h5"), "model.h5")
        let id = try XCTUnwrap(float["id"] as? String)
        let notNumpy = try predict(id, Array("hello".utf8), accept: "application/json")
        XCTAssertEqual(notNumpy.status, 422, notNumpy.text)
        let batch = try predict(id, try Fixtures.bytes("mlp", "calibration.npy"), accept: "application/json")
        XCTAssertEqual(batch.status, 200, "a [64, 64] batch fits a 64-input model: \(batch.text)")
        XCTAssertEqual(((batch.object["outputs"] as? [[String: Any]])?.first?["shape"]) as? [Int], [64, 10])
        let convertFloat = try harness.json("POST", "/v1/jobs", ["type": "convert", "params": ["model_id": id]])
        XCTAssertEqual(convertFloat.status, 422, convertFloat.text)
        let badVersion = try harness.send("POST", "/v1/models/\(id)/check?akida_version=v3")
        XCTAssertEqual(badVersion.status, 409, "a float model cannot be checked: \(badVersion.text)")
        let types = try harness.send("GET", "/v1/job-types").object["types"] as? [String] ?? []
        XCTAssertTrue(Set(["quantize", "calibrate", "convert", "infer"]).isSubset(of: Set(types)), "\(types)")
    }
}

extension Harness {
    func getObject(_ path: String) -> [String: Any] {
        (try? send("GET", path).object) ?? [:]
    }
}
