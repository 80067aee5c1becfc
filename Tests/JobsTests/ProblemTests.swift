// ProblemTests: the problem object a failed job carries survives the store's JSON text intact.
import Foundation
import Jobs
import XCTest

final class ProblemTests: XCTestCase {
    func testProblemJSONRoundTrip() throws {
        let p = Problem(
            type: "urn:x", title: "T \"quoted\"", status: 409, detail: "line\nbreak", extensions: ["layer": "conv_1"])
        let parsed = try JSONSerialization.jsonObject(with: Data(p.json.utf8)) as? [String: Any]
        XCTAssertEqual(parsed?["title"] as? String, "T \"quoted\"")
        XCTAssertEqual(parsed?["status"] as? Int, 409)
        XCTAssertEqual(parsed?["layer"] as? String, "conv_1")
        XCTAssertEqual(try Problem(json: p.json), p)
    }

    /// The store records the problem as JSON text and the job's failed event as its description.
    func testFailureIsTheProblemAsStored() throws {
        let p = Problem(
            type: "urn:test", title: "Bad layer", status: 422, detail: "Lambda layers are rejected",
            extensions: ["layer": "lambda_1"])
        XCTAssertEqual(try Problem(json: p.failure.json), p)
        XCTAssertEqual(p.failure.message, "Bad layer (422): Lambda layers are rejected")
    }
}
