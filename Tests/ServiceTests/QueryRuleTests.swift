// ServiceTests: refusals on the model routes — one order (the model's kind, 409, then the query: a
// malformed or empty value is 400, then the body, 422) and a predict body over max_predict_bytes
// answered with a 413 that points to the `infer` job.
import Foundation
import HTTPServer
import Service
import TestSupport
import XCTest

final class QueryRuleTests: XCTestCase {
    func testQueryParametersAreCheckedBeforeKindAndBody() throws {
        let harness = try Harness()
        defer { harness.close() }
        let bytes = [UInt8](try Data(contentsOf: Fixtures.file("digits_trained", "model.h5")))
        let float = try harness.send(
            "POST", "/v1/models?name=float.h5", headers: ["Content-Type": "application/octet-stream"], body: bytes)
        let id = try XCTUnwrap(float.object["id"] as? String)

        // The model's kind comes first (a float model cannot be checked: 409), then the query.
        XCTAssertEqual(try harness.send("POST", "/v1/models/\(id)/check?akida_version=v9").status, 409)
        let quantizedBytes = [UInt8](try Data(contentsOf: Fixtures.file("digits_trained", "quantized.h5")))
        let quantized = try harness.send(
            "POST", "/v1/models?name=q.h5", headers: ["Content-Type": "application/octet-stream"], body: quantizedBytes)
        let quantizedID = try XCTUnwrap(quantized.object["id"] as? String)
        for value in ["", "v9"] {
            let check = try harness.send("POST", "/v1/models/\(quantizedID)/check?akida_version=\(value)")
            XCTAssertEqual(check.status, 400, value)
            XCTAssertEqual(check.object["type"] as? String, "urn:spikeforge:problem:invalid-query")
        }
        // A body that is no tensor is 422, but a bad reset_state is reported first.
        let junk = Array("not a tensor".utf8)
        XCTAssertEqual(try harness.send("POST", "/v1/models/\(id)/predict", body: junk).status, 422)
        XCTAssertEqual(try harness.send("POST", "/v1/models/\(id)/predict?reset_state=maybe", body: junk).status, 400)
        XCTAssertEqual(try harness.send("GET", "/v1/models/\(id)/summary?format=").status, 400)
        XCTAssertEqual(try harness.send("GET", "/v1/models/\(id)/report?dataset_id=").status, 400)
        XCTAssertEqual(try harness.send("GET", "/v1/models/\(id)/report?max_samples=many").status, 400)
    }

    func testOversizedPredictBodyPointsToInfer() throws {
        let harness = try Harness { $0.maxPredictBytes = 4096 }
        defer { harness.close() }
        let response = try harness.send(
            "POST", "/v1/models/mdl_00000000000000000000/predict", body: [UInt8](repeating: 0, count: 10_000))
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.object["limit"] as? Int, 4096)
        let detail = response.object["detail"] as? String ?? ""
        XCTAssertTrue(detail.contains("'infer' job (POST /v1/jobs"), detail)
    }
}
