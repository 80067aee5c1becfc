// ServiceTests: jobs refused at submission, before anything is queued — a q_config value out of
// range or naming no layer (422 naming layer and field), and a name over the one name limit that
// uploads also apply.
import Foundation
import HTTPServer
import NumPyIO
import Service
import Tensors
import TestSupport
import XCTest

final class SubmissionChecksTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws { harness = try Harness() }
    override func tearDown() { harness.close() }

    func floatModel() throws -> String {
        let response = try harness.uploadMultipart(
            "/v1/models", file: try Fixtures.bytes("ds_cnn_kws", "model.h5"), filename: "kws.h5")
        XCTAssertEqual(response.status, 201, response.text)
        return try XCTUnwrap(response.object["id"] as? String)
    }

    func quantize(_ params: [String: Any]) throws -> HTTPClientResponse {
        try harness.json("POST", "/v1/jobs", ["type": "quantize", "params": params])
    }

    func testBadQConfigValuesAreRefusedNamingLayerAndField() throws {
        let model = try floatModel()
        for (bitwidth, layer) in [(0 as Any, "conv_0"), ("x", "conv_0"), (99, "conv_0"), (4, "not_a_layer")] {
            let response = try quantize([
                "model_id": model, "q_config": [layer: ["weight_quantizer": ["bitwidth": bitwidth]]],
            ])
            XCTAssertEqual(response.status, 422, response.text)
            XCTAssertEqual(response.headers["content-type"], "application/problem+json")
            XCTAssertEqual(response.object["layer"] as? String, layer, response.text)
            XCTAssertEqual(response.object["parameter"] as? String, "q_config", response.text)
            if layer == "conv_0" {
                XCTAssertEqual(response.object["field"] as? String, "weight_quantizer.bitwidth", response.text)
                XCTAssertTrue((response.object["detail"] as? String ?? "").contains("2...32"), response.text)
            }
        }
        let queued = try harness.send("GET", "/v1/jobs").object["items"] as? [[String: Any]]
        XCTAssertEqual(queued?.count, 0, "nothing was queued")
        // A valid override is accepted.
        let good = try quantize(["model_id": model, "q_config": ["conv_0": ["weight_quantizer": ["bitwidth": 4]]]])
        XCTAssertEqual(good.status, 202, good.text)
    }

    func testOneNameLimitForUploadsAndJobs() throws {
        let model = try floatModel()
        let long = String(repeating: "n", count: 256)
        let job = try quantize(["model_id": model, "name": long])
        XCTAssertEqual(job.status, 422, job.text)
        XCTAssertEqual(job.object["parameter"] as? String, "name")
        let upload = try harness.send(
            "POST", "/v1/datasets?name=\(long)", headers: ["Content-Type": "application/octet-stream"],
            body: try Fixtures.bytes("mlp", "inputs.npy"))
        XCTAssertEqual(upload.status, 400, upload.text)
        // Both say the same rule.
        let rule = "must be 1-255 characters on one line"
        XCTAssertTrue((job.object["detail"] as? String ?? "").contains(rule), job.text)
        XCTAssertTrue((upload.object["detail"] as? String ?? "").contains(rule), upload.text)
        let newline = try quantize(["model_id": model, "name": "two\nlines"])
        XCTAssertEqual(newline.status, 422, newline.text)
        XCTAssertEqual(try quantize(["model_id": model, "name": String(repeating: "n", count: 255)]).status, 202)
    }
}

/// The input-dtype rule on the predict route: an Akida model's description says uint8, float32
/// whole numbers are taken as uint8, a negative value is refused — never clamped.
final class InputDTypeRouteTests: XCTestCase {
    func testPredictHoldsInputsToTheDescribedDType() throws {
        let harness = try Harness()
        defer { harness.close() }
        let upload = try harness.uploadMultipart(
            "/v1/models", file: try Fixtures.bytes("ds_cnn_kws", "akida_v2.json"), filename: "kws.json")
        XCTAssertEqual(upload.status, 201, upload.text)
        let model = try XCTUnwrap(upload.object["id"] as? String)
        let inputs = (upload.object["description"] as? [String: Any])?["inputs"] as? [[String: Any]]
        XCTAssertEqual(inputs?.first?["dtype"] as? String, "uint8")

        let images = try NPY.decode(try Fixtures.bytes("ds_cnn_kws", "inputs.npy"))
        func predict(_ array: NDArray) throws -> HTTPClientResponse {
            try harness.send(
                "POST", "/v1/models/\(model)/predict", headers: ["Content-Type": "application/octet-stream"],
                body: NPY.encode(array))
        }
        let original = try predict(images)
        XCTAssertEqual(original.status, 200, original.text)
        let floats = try predict(NDArray(images.floats()))
        XCTAssertEqual(floats.status, 200, floats.text)
        XCTAssertEqual(floats.body, original.body)

        var values = Array(images.floats().scalars)
        values[0] = -3
        let negative = try predict(NDArray(Tensor(shape: images.shape, scalars: values)))
        XCTAssertEqual(negative.status, 422, negative.text)
        XCTAssertEqual(negative.object["type"] as? String, "urn:spikeforge:problem:invalid-input")
        XCTAssertTrue((negative.object["detail"] as? String ?? "").contains("is uint8"), negative.text)
    }
}
