// ServiceTests: blob downloads on a real loopback server — Content-Disposition reduced to a safe
// base name with RFC 6266 filename*, ETag/If-None-Match (304), single byte ranges (206, 416), the
// early refusal of an upload whose first bytes are no model, and the dataset member list on GET.
import Foundation
import HTTPServer
import Service
import TestSupport
import XCTest

final class DownloadTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness { $0.maxUploadBytes = 16 << 20 }
    }

    override func tearDown() { harness.close() }

    private func uploadModel(name: String) throws -> (id: String, sha256: String, bytes: [UInt8]) {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.file("digits_trained", "model.h5")))
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        let response = try harness.send(
            "POST", "/v1/models?name=\(encoded)", headers: ["Content-Type": "application/octet-stream"], body: bytes)
        XCTAssertEqual(response.status, 201, response.text)
        return (
            try XCTUnwrap(response.object["id"] as? String), try XCTUnwrap(response.object["sha256"] as? String), bytes
        )
    }

    func testContentDispositionIsABaseNameWithFilenameStar() throws {
        let traversal = try uploadModel(name: "../../../../tmp/evil\".h5")
        let download = try harness.send("GET", "/v1/models/\(traversal.id)/download")
        XCTAssertEqual(download.status, 200)
        XCTAssertEqual(download.headers["content-disposition"], "attachment; filename=\"evil\\\".h5\"")

        let unicode = try uploadModel(name: "modèle ✓.h5")
        let named = try harness.send("GET", "/v1/models/\(unicode.id)/download")
        XCTAssertEqual(
            named.headers["content-disposition"],
            "attachment; filename=\"mod_le _.h5\"; filename*=UTF-8''mod%C3%A8le%20%E2%9C%93.h5")
        XCTAssertEqual(named.body, unicode.bytes)
    }

    func testETagAnswers304AndRangeAnswers206() throws {
        let model = try uploadModel(name: "digits.h5")
        let path = "/v1/models/\(model.id)/download"
        let full = try harness.send("GET", path)
        XCTAssertEqual(full.headers["etag"], "\"\(model.sha256)\"")
        XCTAssertEqual(full.headers["accept-ranges"], "bytes")

        let notModified = try harness.send("GET", path, headers: ["If-None-Match": "\"other\", \"\(model.sha256)\""])
        XCTAssertEqual(notModified.status, 304)
        XCTAssertEqual(notModified.body, [])
        XCTAssertEqual(notModified.headers["etag"], "\"\(model.sha256)\"")
        let changed = try harness.send("GET", path, headers: ["If-None-Match": "\"other\""])
        XCTAssertEqual(changed.status, 200)
        XCTAssertEqual(changed.body, model.bytes)

        let size = model.bytes.count
        let middle = try harness.send("GET", path, headers: ["Range": "bytes=100-1123"])
        XCTAssertEqual(middle.status, 206)
        XCTAssertEqual(middle.headers["content-range"], "bytes 100-1123/\(size)")
        XCTAssertEqual(middle.body, Array(model.bytes[100...1123]))
        let suffix = try harness.send("GET", path, headers: ["Range": "bytes=-10"])
        XCTAssertEqual(suffix.status, 206)
        XCTAssertEqual(suffix.body, Array(model.bytes.suffix(10)))
        let open = try harness.send("GET", path, headers: ["Range": "bytes=\(size - 3)-"])
        XCTAssertEqual(open.body, Array(model.bytes.suffix(3)))
        let pastEnd = try harness.send("GET", path, headers: ["Range": "bytes=\(size)-"])
        XCTAssertEqual(pastEnd.status, 416)
        XCTAssertEqual(pastEnd.headers["content-range"], "bytes */\(size)")
        XCTAssertEqual(pastEnd.headers["content-type"], "application/problem+json")
        // Several ranges, or an If-Range for another version, get the whole file.
        let several = try harness.send("GET", path, headers: ["Range": "bytes=0-1,5-6"])
        XCTAssertEqual(several.status, 200)
        XCTAssertEqual(several.body, model.bytes)
        let stale = try harness.send("GET", path, headers: ["Range": "bytes=0-1", "If-Range": "\"old\""])
        XCTAssertEqual(stale.status, 200)

        let npy = [UInt8](try Data(contentsOf: Fixtures.file("digits_trained", "quant_layers.npz")))
        let dataset = try harness.uploadMultipart("/v1/datasets", file: npy, filename: "layers.npz")
        let datasetID = try XCTUnwrap(dataset.object["id"] as? String)
        let head = try harness.send("GET", "/v1/datasets/\(datasetID)/download", headers: ["Range": "bytes=0-3"])
        XCTAssertEqual(head.status, 206)
        XCTAssertEqual(head.body, Array(npy.prefix(4)))
        let cached = try harness.send(
            "GET", "/v1/datasets/\(datasetID)/download",
            headers: ["If-None-Match": "\"\(dataset.object["sha256"] as? String ?? "")\""])
        XCTAssertEqual(cached.status, 304)
    }

    func testANonModelUploadIsRefusedFromItsFirstBytes() throws {
        let body = [UInt8](repeating: 0x41, count: 8 << 20)
        let response = try harness.send(
            "POST", "/v1/models?name=junk.h5", headers: ["Content-Type": "application/octet-stream"], body: body)
        XCTAssertEqual(response.status, 422, response.text)
        XCTAssertEqual(response.object["type"] as? String, "urn:spikeforge:problem:invalid-upload")
        let received = try XCTUnwrap(response.object["received"] as? Int)
        XCTAssertLessThan(received, 1 << 20, "refused while the first chunks arrived, not after 8 MiB")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: harness.directory.appendingPathComponent("tmp").path),
            [])
    }

    func testDatasetGETListsTheArchiveMembers() throws {
        let npz = [UInt8](try Data(contentsOf: Fixtures.file("digits_trained", "quant_layers.npz")))
        let upload = try harness.uploadMultipart("/v1/datasets", file: npz, filename: "layers.npz")
        XCTAssertEqual(upload.status, 201, upload.text)
        let members = try XCTUnwrap(upload.object["arrays"] as? [[String: Any]])
        XCTAssertGreaterThan(members.count, 1)
        let id = try XCTUnwrap(upload.object["id"] as? String)
        let fetched = try harness.send("GET", "/v1/datasets/\(id)").object["arrays"] as? [[String: Any]]
        XCTAssertEqual(fetched?.map { $0["name"] as? String }, members.map { $0["name"] as? String })
        XCTAssertEqual(fetched?.map { $0["shape"] as? [Int] }, members.map { $0["shape"] as? [Int] })

        // A server on a copy of the data directory (nothing remembered) reads the list from the file.
        harness.service.stop()
        var configuration = harness.service.configuration
        let copy = harness.directory.appendingPathExtension("copy")
        try FileManager.default.copyItem(at: harness.directory, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        configuration.dataDir = copy.path
        let restarted = try Service(configuration: configuration)
        try restarted.start()
        defer { restarted.stop() }
        let reread = try HTTPClient.send(port: restarted.port, method: "GET", path: "/v1/datasets/\(id)")
        let rereadMembers = reread.object["arrays"] as? [[String: Any]]
        XCTAssertEqual(rereadMembers?.map { $0["name"] as? String }, members.map { $0["name"] as? String })
        XCTAssertEqual(rereadMembers?.map { $0["dtype"] as? String }, members.map { $0["dtype"] as? String })
    }

    func testOldChecksumParamNamesAreDeprecated() throws {
        let npz = [UInt8](try Data(contentsOf: Fixtures.file("digits_trained", "quant_layers.npz")))
        let id = try XCTUnwrap(
            try harness.uploadMultipart("/v1/datasets", file: npz, filename: "d.npz").object["id"] as? String)
        let current = try harness.json(
            "POST", "/v1/jobs", ["type": "checksum", "params": ["dataset_id": id, "max_mib_per_second": 100]])
        XCTAssertEqual(current.status, 202, current.text)
        XCTAssertNil(current.headers["deprecation"])
        let old = try harness.json(
            "POST", "/v1/jobs", ["type": "checksum", "params": ["dataset": id, "maxMiBPerSecond": 100]])
        XCTAssertEqual(old.status, 202, old.text)
        XCTAssertEqual(old.headers["deprecation"], "@1796428800")
        let link = try XCTUnwrap(old.headers["link"])
        XCTAssertTrue(link.hasPrefix("</v1/job-types>; rel=\"deprecation\""), link)
        XCTAssertTrue(link.contains("dataset is now dataset_id"), link)
        XCTAssertTrue(link.contains("maxMiBPerSecond is now max_mib_per_second"), link)
        let done = try harness.waitForJob(try XCTUnwrap(old.object["id"] as? String)) {
            $0["state"] as? String == "succeeded"
        }
        XCTAssertEqual((done["result"] as? [String: Any])?["intact"] as? Bool, true)
        let both = try harness.json(
            "POST", "/v1/jobs", ["type": "checksum", "params": ["dataset": id, "dataset_id": id]])
        XCTAssertEqual(both.status, 422)
        let renamed = try harness.send("GET", "/v1/job-types").object["renamedParams"] as? [String: [String: String]]
        XCTAssertEqual(renamed?["checksum"]?["model"], "model_id")
    }
}
