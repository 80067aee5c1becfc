// DatabaseOutageTests: a Service in PostgreSQL mode on a PostgreSQL server of its own, which the
// test stops and restarts — while the database is down /readyz and every request that needs it
// answer 503 problem+json; afterwards the service serves again and the job accepted before is done.
import Foundation
import HTTPServer
import XCTest

final class DatabaseOutageTests: XCTestCase {
    static let script = repositoryRoot.appendingPathComponent("scripts/postgres-test-server.sh").path

    @discardableResult
    func server(_ arguments: [String]) throws -> String {
        // Output through a file: the PostgreSQL server the script starts outlives it.
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.script)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        try process.run()
        process.waitUntilExit()
        let output = try String(contentsOf: outputFile, encoding: .utf8)
        XCTAssertEqual(process.terminationStatus, 0, "postgres-test-server.sh \(arguments)")
        return output
    }

    func testOutageAnswers503AndNothingAcceptedIsLost() throws {
        // "export NAME=value" lines.
        var exports: [String: String] = [:]
        for line in try server(["start"]).split(separator: "\n") {
            let pair = line.replacingOccurrences(of: "export ", with: "").split(separator: "=", maxSplits: 1)
            if pair.count == 2 { exports[String(pair[0])] = String(pair[1]) }
        }
        let directory = try XCTUnwrap(exports["SPIKEFORGE_TEST_POSTGRES_DIR"])
        defer { _ = try? server(["stop", directory]) }
        let harness = try Harness { $0.store = exports["SPIKEFORGE_TEST_POSTGRES_URL"] ?? "" }
        defer { harness.close() }

        var npy: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 118, 0]
        npy += Array("{'descr': '|u1', 'fortran_order': False, 'shape': (16,), }".utf8)
        while npy.count < 127 { npy.append(0x20) }
        npy += [0x0A] + (0..<16).map { UInt8($0) }
        let upload = try harness.send(
            "POST", "/v1/datasets?name=d.npy", headers: ["Content-Type": "application/octet-stream"], body: npy)
        XCTAssertEqual(upload.status, 201, upload.text)
        let dataset = try XCTUnwrap(upload.object["id"] as? String)
        let request: [String: Any] = ["type": "checksum", "params": ["dataset_id": dataset]]
        let accepted = try harness.json("POST", "/v1/jobs", request)
        XCTAssertEqual(accepted.status, 202, accepted.text)
        let id = try XCTUnwrap(accepted.object["id"] as? String)

        try server(["halt", directory])
        XCTAssertEqual(try harness.send("GET", "/readyz").status, 503)
        let refused = try harness.json("POST", "/v1/jobs", request)
        XCTAssertEqual(refused.status, 503, refused.text)
        XCTAssertEqual(refused.headers["content-type"], "application/problem+json")
        XCTAssertEqual(refused.object["type"] as? String, "urn:spikeforge:problem:store-unavailable")
        XCTAssertEqual(try harness.send("GET", "/v1/jobs/\(id)").status, 503)
        // Every route that reads the store answers the same documented problem (openapi: Unavailable).
        for path in ["/v1/models", "/v1/datasets/\(dataset)", "/v1/datasets/\(dataset)/download", "/v1/jobs"] {
            let answer = try harness.send("GET", path)
            XCTAssertEqual(answer.status, 503, path)
            XCTAssertEqual(answer.object["type"] as? String, "urn:spikeforge:problem:store-unavailable", path)
        }

        try server(["resume", directory])
        XCTAssertTrue(waitFor { (try? harness.send("GET", "/readyz").status) == 200 }, "ready again")
        let done = try harness.waitForJob(id) { $0["state"] as? String == "succeeded" }
        XCTAssertEqual(done["state"] as? String, "succeeded", "the job accepted before the outage ran")
        XCTAssertEqual(try harness.json("POST", "/v1/jobs", request).status, 202)
        XCTAssertEqual(try harness.send("GET", "/v1/datasets/\(dataset)").status, 200)
    }

    func waitFor(_ timeout: TimeInterval = 20, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return false
    }
}
