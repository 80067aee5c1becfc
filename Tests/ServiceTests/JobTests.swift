// ServiceTests: the job API — submission, idempotency keys, cancel, pagination and the checksum job.
import Foundation
import HTTPServer
import Service
import TestSupport
import XCTest

final class JobTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness { $0.workers = 1 }
    }

    override func tearDown() { harness.close() }

    /// Uploads `mebibytes` MiB of pseudo-random float32 data as a .npy dataset; returns its id and sha256.
    func uploadDataset(mebibytes: Int) throws -> (id: String, sha256: String, file: URL) {
        let count = mebibytes << 18  // float32 elements
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(count),), }"
        var headerBytes = Array(header.utf8)
        while (10 + headerBytes.count + 1) % 64 != 0 { headerBytes.append(0x20) }
        headerBytes.append(0x0A)
        var bytes: [UInt8] = [
            0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(headerBytes.count & 0xff), UInt8(headerBytes.count >> 8),
        ]
        bytes += headerBytes
        var state: UInt32 = 12345
        bytes.reserveCapacity(bytes.count + count * 4)
        for _ in 0..<count {
            state = state &* 1_664_525 &+ 1_013_904_223
            bytes += [UInt8(truncatingIfNeeded: state), UInt8(truncatingIfNeeded: state >> 8), 0x20, 0x3F]
        }
        let file = harness.directory.appendingPathComponent("upload-\(UUID().uuidString).npy")
        try Data(bytes).write(to: file)
        let response = try harness.send(
            "POST", "/v1/datasets?name=noise.npy", headers: ["Content-Type": "application/octet-stream"], body: bytes)
        XCTAssertEqual(response.status, 201, response.text)
        return (
            try XCTUnwrap(response.object["id"] as? String), try XCTUnwrap(response.object["sha256"] as? String), file
        )
    }

    func testChecksumJobVerifiesAndDetectsCorruption() throws {
        let dataset = try uploadDataset(mebibytes: 3)
        let submitted = try harness.json(
            "POST", "/v1/jobs", ["type": "checksum", "params": ["dataset_id": dataset.id]])
        XCTAssertEqual(submitted.status, 202, submitted.text)
        let id = try XCTUnwrap(submitted.object["id"] as? String)
        XCTAssertEqual(submitted.headers["location"], "/v1/jobs/\(id)")
        XCTAssertEqual(submitted.object["state"] as? String, "queued")
        let done = try harness.waitForJob(id) { ($0["state"] as? String) == "succeeded" }
        XCTAssertEqual(done["state"] as? String, "succeeded", "\(done)")
        let result = try XCTUnwrap(done["result"] as? [String: Any])
        XCTAssertEqual(result["sha256"] as? String, try Oracle.sha256sum(dataset.file))
        XCTAssertEqual(result["intact"] as? Bool, true)
        let progress = try XCTUnwrap(done["progress"] as? [String: Any])
        XCTAssertEqual(progress["total"] as? Int, 4, "3 MiB of data plus the header spill into a 4th MiB")
        XCTAssertEqual(progress["done"] as? Int, 4)
        for key in ["createdAt", "startedAt", "finishedAt"] { XCTAssertNotNil(done[key] as? String, key) }

        // Flip one byte of the stored blob: the next checksum fails with a problem naming both digests.
        let blob = harness.directory.appendingPathComponent(
            "blobs/\(dataset.sha256.prefix(2))/\(dataset.sha256.dropFirst(2))")
        let handle = try FileHandle(forUpdating: blob)
        try handle.seek(toOffset: 1000)
        try handle.write(contentsOf: Data([0xFF]))
        try handle.close()
        let again = try harness.json("POST", "/v1/jobs", ["type": "checksum", "params": ["dataset_id": dataset.id]])
        let failed = try harness.waitForJob(try XCTUnwrap(again.object["id"] as? String)) {
            ($0["state"] as? String) == "failed"
        }
        XCTAssertEqual(failed["state"] as? String, "failed")
        let problem = try XCTUnwrap(failed["error"] as? [String: Any])
        XCTAssertEqual(problem["type"] as? String, "urn:spikeforge:problem:blob-corrupt")
        XCTAssertEqual(problem["expected"] as? String, dataset.sha256)
        XCTAssertEqual(problem["actual"] as? String, try Oracle.sha256sum(blob))

        let events = try harness.send("GET", "/v1/jobs/\(id)/events").object["items"] as? [[String: Any]]
        XCTAssertFalse(events?.isEmpty ?? true)
    }

    func testInvalidSubmissionsAreProblems() throws {
        let unknownType = try harness.json("POST", "/v1/jobs", ["type": "teleport", "params": [:]])
        XCTAssertEqual(unknownType.status, 422)
        XCTAssertTrue((unknownType.object["detail"] as? String ?? "").contains("checksum"), "lists the known types")
        let missing = try harness.json(
            "POST", "/v1/jobs", ["type": "checksum", "params": ["model_id": "mdl_00000000000000000000"]])
        XCTAssertEqual(missing.status, 422)
        XCTAssertEqual(missing.object["model"] as? String, "mdl_00000000000000000000")
        let notObject = try harness.send(
            "POST", "/v1/jobs", headers: ["Content-Type": "application/json"], body: Array("[1]".utf8))
        XCTAssertEqual(notObject.status, 400)
        XCTAssertEqual(notObject.headers["content-type"], "application/problem+json")
        let tooBig = try harness.send(
            "POST", "/v1/jobs", headers: ["Content-Type": "application/json"],
            body: [UInt8](repeating: 0x20, count: (1 << 20) + 1), expectContinue: true)
        XCTAssertEqual(tooBig.status, 413)
        XCTAssertEqual(try harness.send("GET", "/v1/jobs/job_doesnotexist").status, 404)
    }

    func testIdempotencyKeyReturnsTheSameJob() throws {
        let dataset = try uploadDataset(mebibytes: 1)
        let request: [String: Any] = ["type": "checksum", "params": ["dataset_id": dataset.id]]
        let first = try harness.json("POST", "/v1/jobs", request, headers: ["Idempotency-Key": "nightly-scrub-1"])
        let second = try harness.json("POST", "/v1/jobs", request, headers: ["Idempotency-Key": "nightly-scrub-1"])
        XCTAssertEqual(first.status, 202)
        XCTAssertEqual(second.status, 202)
        XCTAssertEqual(first.object["id"] as? String, second.object["id"] as? String)
        XCTAssertNil(first.headers["idempotent-replayed"])
        XCTAssertEqual(second.headers["idempotent-replayed"], "true")
        let other = try harness.json("POST", "/v1/jobs", request, headers: ["Idempotency-Key": "nightly-scrub-2"])
        XCTAssertNotEqual(other.object["id"] as? String, first.object["id"] as? String)
        let reused = try harness.json(
            "POST", "/v1/jobs", ["type": "checksum", "params": ["dataset_id": dataset.id, "max_mib_per_second": 5]],
            headers: ["Idempotency-Key": "nightly-scrub-1"])
        XCTAssertEqual(reused.status, 422)
        let listed = try harness.send("GET", "/v1/jobs?type=checksum").object["items"] as? [[String: Any]]
        XCTAssertEqual(listed?.count, 2)
    }

    func testCancelQueuedAndRunningJobs() throws {
        let dataset = try uploadDataset(mebibytes: 4)
        let slow: [String: Any] = ["type": "checksum", "params": ["dataset_id": dataset.id, "max_mib_per_second": 1]]
        let running = try XCTUnwrap(try harness.json("POST", "/v1/jobs", slow).object["id"] as? String)
        let queued = try XCTUnwrap(try harness.json("POST", "/v1/jobs", slow).object["id"] as? String)
        let started = try harness.waitForJob(running) { ($0["state"] as? String) == "running" }
        XCTAssertEqual(started["state"] as? String, "running")

        // One worker: the second job is still queued and is cancelled at once.
        let cancelQueued = try harness.send("DELETE", "/v1/jobs/\(queued)")
        XCTAssertEqual(cancelQueued.status, 200, cancelQueued.text)
        XCTAssertEqual(cancelQueued.object["state"] as? String, "cancelled")

        let cancelRunning = try harness.send("DELETE", "/v1/jobs/\(running)")
        XCTAssertEqual(cancelRunning.status, 202, cancelRunning.text)
        XCTAssertEqual(cancelRunning.object["cancelRequested"] as? Bool, true)
        let stopped = try harness.waitForJob(running, timeout: 10) { ($0["state"] as? String) == "cancelled" }
        XCTAssertEqual(stopped["state"] as? String, "cancelled")
        let progress = try XCTUnwrap(stopped["progress"] as? [String: Any])
        XCTAssertLessThan(progress["done"] as? Int ?? 99, 5, "stopped before hashing everything")

        let again = try harness.send("DELETE", "/v1/jobs/\(running)")
        XCTAssertEqual(again.status, 409)
        XCTAssertEqual(again.headers["content-type"], "application/problem+json")
    }

    func testListingIsPaginatedAndFiltered() throws {
        let dataset = try uploadDataset(mebibytes: 1)
        var ids: [String] = []
        for _ in 0..<5 {
            ids.append(
                try XCTUnwrap(
                    try harness.json("POST", "/v1/jobs", ["type": "checksum", "params": ["dataset_id": dataset.id]])
                        .object["id"] as? String))
        }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let path =
                "/v1/jobs?limit=2"
                + (cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" }
                    ?? "")
            let page = try harness.send("GET", path).object
            let items = try XCTUnwrap(page["items"] as? [[String: Any]])
            XCTAssertLessThanOrEqual(items.count, 2)
            seen += items.compactMap { $0["id"] as? String }
            cursor = page["nextCursor"] as? String
        } while cursor != nil
        XCTAssertEqual(Set(seen), Set(ids))
        XCTAssertEqual(seen.count, 5)
        XCTAssertEqual(try harness.send("GET", "/v1/jobs?state=sleeping").status, 400)
        XCTAssertEqual(try harness.send("GET", "/v1/jobs?limit=0").status, 400)
        XCTAssertEqual(try harness.send("GET", "/v1/jobs?cursor=garbage").status, 400)
        XCTAssertEqual((try harness.send("GET", "/v1/jobs?type=quantize").object["items"] as? [Any])?.count, 0)
        for id in ids { _ = try harness.waitForJob(id) { ($0["state"] as? String) == "succeeded" } }
        let succeeded =
            try harness.send("GET", "/v1/jobs?state=succeeded&limit=100").object["items"] as? [[String: Any]]
        XCTAssertEqual(succeeded?.count, 5)
    }

    func testEnvironmentStoresJobOutputs() throws {
        let environment = harness.service.environment
        let source = Fixtures.file("digits_trained", "float_out.npy")
        let scratch = environment.scratchFile(suffix: ".npy")
        try FileManager.default.copyItem(at: source, to: scratch)
        let dataset = try environment.storeDataset(contentsOf: scratch, name: "outputs.npy")
        // meta.json describes float_out.npy as "... float32 [360, 10]".
        let files = try XCTUnwrap(try Fixtures.meta("digits_trained")["files"] as? [String: Any])
        XCTAssertTrue(
            (files["float_out.npy"] as? String ?? "").hasSuffix(
                "\(dataset.dtype) [\(dataset.shape.map(String.init).joined(separator: ", "))]"))
        XCTAssertEqual(dataset.sha256, try Oracle.sha256sum(source))

        let parent = try harness.uploadMultipart(
            "/v1/models", file: try Fixtures.bytes("digits_trained", "model.h5"), filename: "float.h5")
        let parentID = try XCTUnwrap(parent.object["id"] as? String)
        let derived = try environment.storeModel(
            contentsOf: Fixtures.file("digits_trained", "quantized.h5"),
            name: "quantized.h5", format: "h5", kind: "keras-quantized", parent: parentID, sourceJob: nil)
        let fetched = try harness.send("GET", "/v1/models/\(derived.id)").object
        XCTAssertEqual(fetched["parentModelId"] as? String, parentID)
        XCTAssertEqual(fetched["kind"] as? String, "keras-quantized")

        let bad = environment.scratchFile(suffix: ".npy")
        try Data("not numpy".utf8).write(to: bad)
        XCTAssertThrowsError(try environment.storeDataset(contentsOf: bad, name: "bad.npy")) { error in
            XCTAssertEqual((error as? HTTPProblem)?.status, 422)
        }
    }
}
