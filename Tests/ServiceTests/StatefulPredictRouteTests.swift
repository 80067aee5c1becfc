// The service's door to a stateful model's state: predict on an uploaded streaming TENN (Akida JSON)
// continues its time sequence from one call to the next, `?reset_state=true` starts it over, and a
// bad value is a problem naming the query parameter.
import Foundation
import HTTPServer
import NumPyIO
import Service
import TestSupport
import XCTest

final class StatefulPredictRouteTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness { configuration in
            if let path = EngineEndToEndTests.spikeforgeExecutable { configuration.inspectExecutable = path }
        }
    }

    override func tearDown() { harness.close() }

    func testResetStateStartsTheSequenceOver() throws {
        let dir = Fixtures.root.appendingPathComponent("tenn_st/dvs128_stream")
        let model = try harness.uploadMultipart(
            "/v1/models", file: [UInt8](Data(contentsOf: dir.appendingPathComponent("akida_v2.json"))),
            filename: "akida_v2.json")
        XCTAssertEqual(model.status, 201, model.text)
        let id = try XCTUnwrap(model.object["id"] as? String)
        let inputs = [UInt8](try Data(contentsOf: dir.appendingPathComponent("inputs.npy")))
        func predict(_ query: String = "") throws -> HTTPClientResponse {
            try harness.send(
                "POST", "/v1/models/\(id)/predict\(query)",
                headers: ["Content-Type": "application/octet-stream", "Accept": "application/x-npy"], body: inputs)
        }
        let first = try predict()
        XCTAssertEqual(first.status, 200, first.text)
        XCTAssertEqual(
            try NPY.decode(first.body).floats().scalars,
            try NPY.read(contentsOf: dir.appendingPathComponent("akida_v2_out.npy")).floats().scalars)
        let second = try predict()
        XCTAssertEqual(second.status, 200)
        XCTAssertNotEqual(second.body, first.body, "the second predict continues the sequence")
        XCTAssertEqual(try predict("?reset_state=true").body, first.body)
        let bad = try predict("?reset_state=maybe")
        XCTAssertEqual(bad.status, 400, bad.text)
        XCTAssertTrue(bad.text.contains("reset_state"), bad.text)
    }
}
