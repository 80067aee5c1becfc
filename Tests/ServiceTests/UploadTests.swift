// ServiceTests: model and dataset uploads — multipart and raw, limits, malformed bodies and tensors.
import Foundation
import HTTPServer
import Service
import TestSupport
import XCTest

final class UploadTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness { $0.maxUploadBytes = 1 << 20 }
    }

    override func tearDown() { harness.close() }

    func testMultipartModelUploadIsStoredByContent() throws {
        let url = Fixtures.file("digits_trained", "model.h5")
        let bytes = [UInt8](try Data(contentsOf: url))
        let response = try harness.uploadMultipart("/v1/models", file: bytes, filename: "digits.h5")
        XCTAssertEqual(response.status, 201, response.text)
        let model = response.object
        let id = try XCTUnwrap(model["id"] as? String)
        XCTAssertEqual(model["sha256"] as? String, try Oracle.sha256sum(url))
        XCTAssertEqual(model["size"] as? Int, bytes.count)
        XCTAssertEqual(model["format"] as? String, "h5")
        XCTAssertEqual(model["name"] as? String, "digits.h5")
        XCTAssertEqual(response.headers["location"], "/v1/models/\(id)")

        let fetched = try harness.send("GET", "/v1/models/\(id)")
        XCTAssertEqual(fetched.object["sha256"] as? String, model["sha256"] as? String)
        let download = try harness.send("GET", "/v1/models/\(id)/download")
        XCTAssertEqual(download.status, 200)
        XCTAssertEqual(download.body, bytes)
        XCTAssertTrue(download.headers["content-disposition"]?.contains("digits.h5") ?? false)
        let list = try harness.send("GET", "/v1/models").object["items"] as? [[String: Any]]
        XCTAssertEqual(list?.map { $0["id"] as? String }, [id])
        // The blob sits under its digest; no temp file is left behind.
        let sha = try XCTUnwrap(model["sha256"] as? String)
        let blob = harness.directory.appendingPathComponent("blobs/\(sha.prefix(2))/\(sha.dropFirst(2))")
        XCTAssertEqual(try Data(contentsOf: blob), Data(bytes))
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: harness.directory.appendingPathComponent("tmp").path),
            [])
    }

    func testRawUploadsWithNameParameter() throws {
        let npy = Fixtures.file("digits_trained", "calibration.npy")
        let bytes = [UInt8](try Data(contentsOf: npy))
        let response = try harness.send(
            "POST", "/v1/datasets?name=calib.npy",
            headers: ["Content-Type": "application/octet-stream"], body: bytes)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual(response.object["name"] as? String, "calib.npy")
        XCTAssertEqual(response.object["sha256"] as? String, try Oracle.sha256sum(npy))
        // dtype and shape as the reference stack recorded them in meta.json ("... uint8 [256, 8, 8, 1]").
        let files = try XCTUnwrap(try Fixtures.meta("digits_trained")["files"] as? [String: Any])
        let described = try XCTUnwrap(files["calibration.npy"] as? String)
        let open = try XCTUnwrap(described.lastIndex(of: "["))
        let shape = described[described.index(after: open)...].dropLast().split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let dtype = described[..<open].split(separator: " ").last.map(String.init)
        XCTAssertEqual(response.object["shape"] as? [Int], shape)
        XCTAssertEqual(response.object["dtype"] as? String, dtype)

        let json = try Fixtures.bytes("mlp", "akida_v2.json")
        let model = try harness.send(
            "POST", "/v1/models?name=net.json", headers: ["Content-Type": "application/octet-stream"], body: json)
        XCTAssertEqual(model.status, 201, model.text)
        XCTAssertEqual(model.object["format"] as? String, "json")
        XCTAssertEqual(model.object["kind"] as? String, "akida")
        let keras = Array("{\"class_name\": \"Sequential\", \"config\": {}}".utf8)
        let notAkida = try harness.send(
            "POST", "/v1/models?name=net.json", headers: ["Content-Type": "application/octet-stream"], body: keras)
        XCTAssertEqual(notAkida.status, 422, "a JSON model must be Akida JSON: \(notAkida.text)")

        let npz = Fixtures.file("digits_trained", "quant_layers.npz")
        let archive = try harness.uploadMultipart(
            "/v1/datasets", file: [UInt8](try Data(contentsOf: npz)), filename: "layers.npz")
        XCTAssertEqual(archive.status, 201, archive.text)
        XCTAssertGreaterThan((archive.object["arrays"] as? [Any])?.count ?? 0, 0)
    }

    func testOversizeUploadsAre413AndLeaveNoTempFile() throws {
        let big = [UInt8](repeating: 0x89, count: (1 << 20) + 200_000)
        let raw = try harness.send(
            "POST", "/v1/models?name=big", headers: ["Content-Type": "application/octet-stream"],
            body: big, expectContinue: true)
        XCTAssertEqual(raw.status, 413)
        XCTAssertEqual(raw.headers["content-type"], "application/problem+json")
        // Multipart: the declared length passes the early check, the streamed file part does not.
        var slightlyBig = ModelBytes.hdf5Header
        slightlyBig += [UInt8](repeating: 7, count: (1 << 20) + 10_000 - slightlyBig.count)
        let multipart = try harness.uploadMultipart("/v1/models", file: slightlyBig, filename: "big.h5")
        XCTAssertEqual(multipart.status, 413, multipart.text)
        XCTAssertEqual(multipart.object["status"] as? Int, 413)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: harness.directory.appendingPathComponent("tmp").path),
            [])
        XCTAssertEqual((try harness.send("GET", "/v1/models").object["items"] as? [Any])?.count, 0)
    }

    func testMalformedMultipartIs400() throws {
        let body = Array(
            "--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.h5\"\r\n\r\n\u{89}HDF".utf8)
        let response = try harness.send(
            "POST", "/v1/models", headers: ["Content-Type": "multipart/form-data; boundary=abc"], body: body)
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.headers["content-type"], "application/problem+json")
        XCTAssertTrue((response.object["detail"] as? String ?? "").contains("closing boundary"), response.text)
        let noFile = Array("--abc\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--abc--\r\n".utf8)
        let second = try harness.send(
            "POST", "/v1/datasets", headers: ["Content-Type": "multipart/form-data; boundary=abc"], body: noFile)
        XCTAssertEqual(second.status, 400)
        XCTAssertTrue((second.object["detail"] as? String ?? "").contains("no file part"), second.text)
    }

    func testMalformedTensorsAre422WithDetail() throws {
        let npy = try Fixtures.bytes("digits_trained", "calibration.npy")
        let truncated = try harness.uploadMultipart(
            "/v1/datasets", file: Array(npy.prefix(npy.count - 10)), filename: "t.npy")
        XCTAssertEqual(truncated.status, 422)
        XCTAssertEqual(truncated.headers["content-type"], "application/problem+json")
        XCTAssertTrue((truncated.object["detail"] as? String ?? "").contains("truncated"), truncated.text)

        // The same header rewritten to Fortran order (padding keeps its length).
        var fortran = npy
        let needle = Array("'fortran_order': False".utf8)
        let offset = try XCTUnwrap((0..<128).first { Array(npy[$0..<($0 + needle.count)]) == needle })
        fortran.replaceSubrange(offset..<(offset + 22), with: Array("'fortran_order': True ".utf8))
        let fortranResponse = try harness.uploadMultipart("/v1/datasets", file: fortran, filename: "f.npy")
        XCTAssertEqual(fortranResponse.status, 422)
        XCTAssertTrue((fortranResponse.object["detail"] as? String ?? "").contains("Fortran"), fortranResponse.text)

        let garbage = try harness.uploadMultipart("/v1/datasets", file: Array("hello world".utf8), filename: "x.npy")
        XCTAssertEqual(garbage.status, 422)
        XCTAssertTrue((garbage.object["detail"] as? String ?? "").contains("not a NumPy file"), garbage.text)

        let notAModel = try harness.uploadMultipart("/v1/models", file: Array("GIF89a....".utf8), filename: "cat.gif")
        XCTAssertEqual(notAModel.status, 422)
        XCTAssertTrue((notAModel.object["detail"] as? String ?? "").contains("HDF5"), notAModel.text)
        XCTAssertEqual((try harness.send("GET", "/v1/datasets").object["items"] as? [Any])?.count, 0)
    }
}

enum ModelBytes {
    /// The HDF5 signature (the format's documented 8-byte magic).
    static let hdf5Header: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
}
