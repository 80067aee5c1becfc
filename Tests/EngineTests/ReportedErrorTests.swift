// EngineTests: a user-facing error survives the trip through `inspect --json`'s report unchanged,
// so the service gives the same problem whether it parses an upload in-process or in a child.
import Diagnostics
import Engine
import Foundation
import TestSupport
import XCTest

final class ReportedErrorTests: XCTestCase {
    func testATruncatedModelsErrorRoundTrips() throws {
        let model = try Fixtures.bytes("mlp", "model.h5")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID().uuidString).h5")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(model.prefix(model.count / 2)).write(to: file)
        XCTAssertThrowsError(try ModelDocument.read(contentsOf: file)) { error in
            guard let error = error as? UserFacingError else { return XCTFail("\(error) is not user-facing") }
            let report = ReportedError(error)
            XCTAssertEqual(report.problemType, .invalidModel)
            XCTAssertEqual(report.description, error.description)
            XCTAssertEqual(ReportedError(json: report.json), report)
        }
        XCTAssertNil(ReportedError(json: "{\"type\": \"no-such-type\", \"title\": \"t\", \"detail\": \"d\"}"))
    }
}
