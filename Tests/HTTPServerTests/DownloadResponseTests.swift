// HTTPServerTests: Response.download on a real loopback server — the edge cases of byte ranges and
// If-None-Match on a 300,000-byte file — and the Content-Disposition rule on hostile names.
import Foundation
import HTTPServer
import XCTest

final class DownloadResponseTests: XCTestCase {
    var server: HTTPServer!
    var fileURL: URL!
    var bytes: [UInt8] = []
    let etag = "0123abcd"

    override func setUpWithError() throws {
        bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        fileURL = FileManager.default.temporaryDirectory.appendingPathComponent("download-\(UUID().uuidString).bin")
        try Data(bytes).write(to: fileURL)
        let router = Router()
        router.add(.GET, "/blob") { [unowned self] request in
            Response.download(
                fileURL.path, size: Int64(bytes.count), etag: etag, contentType: "application/octet-stream",
                downloadName: "dir/blob.bin", request: request)
        }
        server = HTTPServer(options: ServerOptions(host: "127.0.0.1", port: 0, threads: 2), router: router)
        try server.start()
    }

    override func tearDownWithError() throws {
        server.stop()
        try? FileManager.default.removeItem(at: fileURL)
    }

    private func get(_ headers: [String: String]) throws -> HTTPClientResponse {
        try HTTPClient.send(port: server.port, method: "GET", path: "/blob", headers: headers)
    }

    func testRanges() throws {
        let size = bytes.count
        let whole = try get([:])
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual(whole.body, bytes)
        XCTAssertEqual(whole.headers["content-disposition"], "attachment; filename=\"blob.bin\"")

        let first = try get(["Range": "bytes=0-0"])
        XCTAssertEqual(first.status, 206)
        XCTAssertEqual(first.body, [bytes[0]])
        XCTAssertEqual(first.headers["content-range"], "bytes 0-0/\(size)")
        XCTAssertEqual(first.headers["content-length"], "1")
        // An end past the file is cut at its last byte.
        let clamped = try get(["Range": "bytes=299990-400000"])
        XCTAssertEqual(clamped.status, 206)
        XCTAssertEqual(clamped.body, Array(bytes[299_990...]))
        XCTAssertEqual(clamped.headers["content-range"], "bytes 299990-299999/\(size)")
        // A suffix longer than the file is the whole file.
        let longSuffix = try get(["Range": "bytes=-999999"])
        XCTAssertEqual(longSuffix.status, 206)
        XCTAssertEqual(longSuffix.body, bytes)

        for unsatisfiable in ["bytes=300000-", "bytes=-0", "bytes=99999999999999999999999-"] {
            let response = try get(["Range": unsatisfiable])
            XCTAssertEqual(response.status, 416, unsatisfiable)
            XCTAssertEqual(response.headers["content-range"], "bytes */\(size)", unsatisfiable)
            XCTAssertEqual(response.object["size"] as? Int, size, unsatisfiable)
        }
        for ignored in ["bytes=5-2", "items=0-1", "bytes=0-1,4-5", "bytes=a-b", "bytes=-"] {
            let response = try get(["Range": ignored])
            XCTAssertEqual(response.status, 200, ignored)
            XCTAssertEqual(response.body.count, size, ignored)
        }
        let current = try get(["Range": "bytes=10-19", "If-Range": "\"\(etag)\""])
        XCTAssertEqual(current.body, Array(bytes[10...19]))
    }

    func testIfNoneMatch() throws {
        for matching in ["\"\(etag)\"", "*", "W/\"\(etag)\"", "\"x\", \"\(etag)\""] {
            let response = try get(["If-None-Match": matching])
            XCTAssertEqual(response.status, 304, matching)
            XCTAssertEqual(response.body, [], matching)
            XCTAssertEqual(response.headers["etag"], "\"\(etag)\"", matching)
        }
        let other = try get(["If-None-Match": "\"\(etag)0\"", "Range": "bytes=0-3"])
        XCTAssertEqual(other.status, 206)
        XCTAssertEqual(other.body, Array(bytes[0...3]))
    }

    func testContentDispositionKeepsABaseNameOnOneLine() {
        XCTAssertEqual(ContentDisposition.attachment("../../../../tmp/evil.h5"), "attachment; filename=\"evil.h5\"")
        XCTAssertEqual(ContentDisposition.attachment("C:\\models\\m.h5"), "attachment; filename=\"m.h5\"")
        XCTAssertEqual(
            ContentDisposition.attachment("a\r\nSet-Cookie: x=1.h5"), "attachment; filename=\"aSet-Cookie: x=1.h5\"")
        XCTAssertEqual(ContentDisposition.attachment("say \"hi\".h5"), "attachment; filename=\"say \\\"hi\\\".h5\"")
        XCTAssertEqual(ContentDisposition.attachment(".."), "attachment; filename=\"download\"")
        XCTAssertEqual(ContentDisposition.attachment("dir/"), "attachment; filename=\"dir\"")
        XCTAssertEqual(
            ContentDisposition.attachment("日本.npz"),
            "attachment; filename=\"__.npz\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.npz")
    }
}
