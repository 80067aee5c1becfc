// HTTPServerTests: the streaming multipart parser fed in every chunking, byte by byte included.
import HTTPServer
import XCTest

final class MultipartParserTests: XCTestCase {
    struct Collected: Equatable {
        var parts: [MultipartPart] = []
        var data: [[UInt8]] = []
    }

    func parse(_ body: [UInt8], boundary: String, chunk: Int) throws -> Collected {
        var parser = try MultipartParser(boundary: boundary)
        var collected = Collected()
        var start = 0
        while start < body.count {
            let end = min(body.count, start + chunk)
            try body[start..<end].withUnsafeBytes { raw in
                try parser.feed(raw) { event in
                    switch event {
                    case .partBegin(let part):
                        collected.parts.append(part)
                        collected.data.append([])
                    case .data(let bytes):
                        collected.data[collected.data.count - 1] += bytes
                    case .partEnd:
                        break
                    }
                }
            }
            start = end
        }
        try parser.finish()
        return collected
    }

    func testEveryChunkSizeGivesTheSameParts() throws {
        let boundary = "b0und"
        var file = [UInt8]((0..<700).map { UInt8(truncatingIfNeeded: $0) })
        file += Array("\r\n--b0un".utf8) + Array("\r\n-".utf8) + Array("\r\n--b0unX".utf8)
        let body =
            Array("preamble text\r\n".utf8)
            + multipartBody(boundary: boundary, fileName: "w.npy", file: file, fields: ["a": "1", "b": ""])
        let reference = try parse(body, boundary: boundary, chunk: body.count)
        XCTAssertEqual(reference.parts.map(\.name), ["a", "b", "file"])
        XCTAssertEqual(reference.parts[2].filename, "w.npy")
        XCTAssertEqual(reference.data, [Array("1".utf8), [], file])
        for chunk in [1, 2, 3, 5, 7, 11, 64, 333] {
            XCTAssertEqual(try parse(body, boundary: boundary, chunk: chunk), reference, "chunk size \(chunk)")
        }
    }

    func testEpilogueIsIgnoredAndMissingCloseIsAnError() throws {
        let body = multipartBody(boundary: "q", fileName: "x", file: [1, 2, 3], fields: [:]) + Array("epilogue".utf8)
        XCTAssertEqual(try parse(body, boundary: "q", chunk: 4).data, [[1, 2, 3]])
        XCTAssertThrowsError(try parse(Array(body.prefix(body.count - 20)), boundary: "q", chunk: 4))
        XCTAssertThrowsError(try parse(Array("no boundary here".utf8), boundary: "q", chunk: 4)) { error in
            XCTAssertTrue("\(error)".contains("no boundary"))
        }
    }

    func testBadFramingIsRejected() {
        let junkAfterBoundary = Array("--q junk\r\n".utf8)
        XCTAssertThrowsError(try parse(junkAfterBoundary, boundary: "q", chunk: 3))
        let hugeHeaders =
            Array("--q\r\nX: ".utf8) + [UInt8](repeating: 0x61, count: MultipartParser.maxHeaderBytes + 10)
        XCTAssertThrowsError(try parse(hugeHeaders, boundary: "q", chunk: 1000)) { error in
            XCTAssertTrue("\(error)".contains("headers exceed"))
        }
        XCTAssertThrowsError(try MultipartParser(boundary: ""))
    }

    func testBoundaryFromContentType() throws {
        XCTAssertEqual(try MultipartParser.boundary(contentType: "multipart/form-data; boundary=\"a b\""), "a b")
        XCTAssertEqual(try MultipartParser.boundary(contentType: "Multipart/Form-Data;boundary=xyz"), "xyz")
        XCTAssertNil(try MultipartParser.boundary(contentType: "application/octet-stream"))
        XCTAssertThrowsError(try MultipartParser.boundary(contentType: "multipart/form-data"))
    }
}
