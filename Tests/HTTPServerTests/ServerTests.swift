// HTTPServerTests: a real libmicrohttpd server on a loopback port, driven by the raw-socket client.
import Foundation
import HTTPServer
import XCTest

/// Collects an upload in memory (tests only) and remembers how it ended.
final class RecordingSink: UploadSink {
    let lock = NSLock()
    var bytes: [UInt8] = []
    var largestChunk = 0
    var chunks = 0
    var aborted = false
    var finished: UploadedFile?

    func write(_ chunk: UnsafeRawBufferPointer) throws {
        lock.lock(); defer { lock.unlock() }
        bytes.append(contentsOf: chunk)
        largestChunk = max(largestChunk, chunk.count)
        chunks += 1
    }

    func finish(_ upload: UploadedFile) throws -> Response {
        lock.lock(); defer { lock.unlock() }
        finished = upload
        return .json(["size": upload.size], status: 201)
    }

    func abort() { lock.lock(); aborted = true; lock.unlock() }
}

final class ServerTests: XCTestCase {
    var server: HTTPServer!
    var sinks: [RecordingSink] = []
    let sinkLock = NSLock()
    var completed: [CompletedRequest] = []
    var logLines: [String] = []
    let recordLock = NSLock()
    var fileURL: URL!

    override func setUpWithError() throws {
        let router = Router()
        router.add(.GET, "/hello") { _ in .json(["greeting": "hello"]) }
        router.add(.GET, "/items/{id}") { request in .json(["id": try request.parameter("id"), "kind": "any"]) }
        router.add(.GET, "/items/special") { _ in .json(["id": "special", "kind": "literal"]) }
        router.add(.DELETE, "/items/{id}") { _ in .empty() }
        router.add(.POST, "/echo", maxBody: 1024) { request in
            Response(status: 200, headers: [("Content-Type", "application/octet-stream")], body: .bytes(request.body))
        }
        router.add(.GET, "/query") { request in .json(request.query) }
        router.add(.POST, "/greet") { request in
            struct Greeting: Codable { let name: String; let times: Int }
            let greeting = try request.decodeJSON(Greeting.self)
            return .json(["text": Array(repeating: "hi \(greeting.name)", count: greeting.times).joined(separator: " ")]
            )
        }
        router.add(.GET, "/boom") { _ in
            throw HTTPProblem(status: 422, detail: "layer dense is not supported", extra: ["layer": "dense"])
        }
        router.add(.GET, "/file") { [unowned self] _ in
            .file(self.fileURL.path, contentType: "application/octet-stream")
        }
        router.upload(.POST, "/upload", maxBytes: { 200_000 }) { [unowned self] _ in
            let sink = RecordingSink()
            self.sinkLock.lock(); self.sinks.append(sink); self.sinkLock.unlock()
            return sink
        }
        fileURL = FileManager.default.temporaryDirectory.appendingPathComponent("httpserver-\(UUID().uuidString).bin")
        try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: fileURL)

        server = HTTPServer(
            options: ServerOptions(host: "127.0.0.1", port: 0, threads: 4, maxBodyBytes: 4096), router: router)
        server.onRequestCompleted = { [unowned self] record in
            self.recordLock.lock(); self.completed.append(record); self.recordLock.unlock()
        }
        server.accessLog = { [unowned self] line in
            self.recordLock.lock(); self.logLines.append(line); self.recordLock.unlock()
        }
        try server.start()
        XCTAssertGreaterThan(server.port, 0)
    }

    override func tearDownWithError() throws {
        server.stop()
        try? FileManager.default.removeItem(at: fileURL)
    }

    func send(
        _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = [],
        splits: [Int] = [], expectContinue: Bool = false
    ) throws -> HTTPClientResponse {
        try HTTPClient.send(
            port: server.port, method: method, path: path, headers: headers, body: body,
            splits: splits, expectContinue: expectContinue)
    }

    func testRoutingAndPathParameters() throws {
        let hello = try send("GET", "/hello")
        XCTAssertEqual(hello.status, 200)
        XCTAssertEqual(hello.headers["content-type"], "application/json")
        XCTAssertEqual(hello.object["greeting"] as? String, "hello")

        let item = try send("GET", "/items/abc-123")
        XCTAssertEqual(item.object["id"] as? String, "abc-123")
        XCTAssertEqual(item.object["kind"] as? String, "any")

        let literal = try send("GET", "/items/special")
        XCTAssertEqual(literal.object["kind"] as? String, "literal", "a literal segment wins over a parameter")

        let query = try send("GET", "/query?state=queued&limit=5&name=a%20b")
        XCTAssertEqual(query.object["state"] as? String, "queued")
        XCTAssertEqual(query.object["limit"] as? String, "5")
        XCTAssertEqual(query.object["name"] as? String, "a b")

        XCTAssertEqual(try send("DELETE", "/items/x").status, 204)
        let head = try send("HEAD", "/hello")
        XCTAssertEqual(head.status, 200)
        XCTAssertTrue(head.body.isEmpty)
    }

    func testNotFoundAndMethodNotAllowedAreProblems() throws {
        let missing = try send("GET", "/nowhere/at/all")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.headers["content-type"], "application/problem+json")
        XCTAssertEqual(missing.object["status"] as? Int, 404)
        XCTAssertEqual(missing.object["title"] as? String, "Not Found")
        XCTAssertNotNil(missing.object["type"] as? String)
        XCTAssertTrue((missing.object["detail"] as? String ?? "").contains("/nowhere/at/all"))

        let wrong = try send("PUT", "/items/7", body: Array("{}".utf8))
        XCTAssertEqual(wrong.status, 405)
        XCTAssertEqual(wrong.headers["content-type"], "application/problem+json")
        let allow = Set(
            (wrong.headers["allow"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        XCTAssertEqual(allow, ["GET", "DELETE", "HEAD"])
        XCTAssertEqual(Set(wrong.object["allowed"] as? [String] ?? []), ["GET", "DELETE", "HEAD"])

        let custom = try send("GET", "/boom")
        XCTAssertEqual(custom.status, 422)
        XCTAssertEqual(custom.object["layer"] as? String, "dense")
        XCTAssertEqual(custom.object["detail"] as? String, "layer dense is not supported")
        XCTAssertEqual(custom.object["instance"] as? String, "/boom")
    }

    func testBufferedBodyAndCap() throws {
        let small = Array("0123456789".utf8)
        let echo = try send("POST", "/echo", body: small)
        XCTAssertEqual(echo.status, 200)
        XCTAssertEqual(echo.body, small)

        let big = [UInt8](repeating: 0x41, count: 3000)
        let refused = try send("POST", "/echo", body: big, expectContinue: true)
        XCTAssertEqual(refused.status, 413)
        XCTAssertEqual(refused.headers["content-type"], "application/problem+json")
        XCTAssertEqual(refused.object["limit"] as? Int, 1024)
    }

    func testJSONBodies() throws {
        let ok = try send(
            "POST", "/greet", headers: ["Content-Type": "application/json"],
            body: Array("{\"name\":\"ada\",\"times\":2}".utf8))
        XCTAssertEqual(ok.status, 200, ok.text)
        XCTAssertEqual(ok.object["text"] as? String, "hi ada hi ada")
        let missing = try send(
            "POST", "/greet", headers: ["Content-Type": "application/json"], body: Array("{\"name\":\"ada\"}".utf8))
        XCTAssertEqual(missing.status, 400)
        XCTAssertTrue((missing.object["detail"] as? String ?? "").contains("times"), missing.text)
        let wrongType = try send("POST", "/greet", headers: ["Content-Type": "text/plain"], body: Array("{}".utf8))
        XCTAssertEqual(wrongType.status, 415)
    }

    func testRawUploadStreamsToSink() throws {
        let payload = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let response = try send(
            "POST", "/upload?name=raw.bin",
            headers: ["Content-Type": "application/octet-stream"], body: payload,
            splits: [1000, 70_000])
        XCTAssertEqual(response.status, 201, response.text)
        let sink = try XCTUnwrap(sinks.last)
        XCTAssertEqual(sink.bytes, payload)
        XCTAssertNil(sink.finished?.filename)
        XCTAssertEqual(sink.finished?.size, payload.count)
        XCTAssertGreaterThan(sink.chunks, 1, "the body arrives in several chunks, not as one buffer")
        XCTAssertLessThan(sink.largestChunk, payload.count)
    }

    func testMultipartUploadAcrossChunkBoundaries() throws {
        let boundary = "----sfBoundary7MA4YWxkTrZu0gW"
        // File content that contains almost-delimiters must survive untouched.
        var file = (0..<120_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let nearMiss = Array("\r\n--\(boundary.dropLast())X".utf8)
        file.replaceSubrange(5000..<(5000 + nearMiss.count), with: nearMiss)
        let body = multipartBody(
            boundary: boundary, fileName: "C:\\models\\net.h5", file: file, fields: ["note": "first try"])
        // Cut the writes inside the delimiters that follow the field and the file.
        let text = body
        let delimiter = Array("\r\n--\(boundary)".utf8)
        let positions = occurrences(of: delimiter, in: text)
        XCTAssertEqual(positions.count, 2)
        let splits = positions.flatMap { [$0 + 1, $0 + 7, $0 + delimiter.count - 1] } + [300, 60_000]
        let response = try send(
            "POST", "/upload", headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"],
            body: body, splits: splits)
        XCTAssertEqual(response.status, 201, response.text)
        let sink = try XCTUnwrap(sinks.last)
        XCTAssertEqual(sink.bytes.count, file.count)
        XCTAssertEqual(sink.bytes, file)
        XCTAssertEqual(sink.finished?.filename, "net.h5")
        XCTAssertEqual(sink.finished?.contentType, "application/x-hdf5")
        XCTAssertEqual(sink.finished?.fields["note"], "first try")
        XCTAssertFalse(sink.aborted)
    }

    func testMalformedMultipartIs400AndAbortsTheSink() throws {
        let boundary = "XyZ"
        var truncated = multipartBody(boundary: boundary, fileName: "a.npy", file: Array("abc".utf8), fields: [:])
        truncated.removeLast(8)  // no closing delimiter
        let response = try send(
            "POST", "/upload", headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"], body: truncated)
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.headers["content-type"], "application/problem+json")
        XCTAssertTrue((response.object["detail"] as? String ?? "").contains("closing boundary"), response.text)
        XCTAssertTrue(try XCTUnwrap(sinks.last).aborted)

        let noDisposition = Array("--XyZ\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n".utf8)
        let second = try send(
            "POST", "/upload", headers: ["Content-Type": "multipart/form-data; boundary=XyZ"], body: noDisposition)
        XCTAssertEqual(second.status, 400)
        XCTAssertTrue((second.object["detail"] as? String ?? "").contains("Content-Disposition"), second.text)

        let noBoundary = try send(
            "POST", "/upload", headers: ["Content-Type": "multipart/form-data"], body: Array("x".utf8))
        XCTAssertEqual(noBoundary.status, 400)
    }

    func testUploadLimitWhileStreaming() throws {
        // Declared size passes the early check (multipart allowance), the file part does not.
        let boundary = "lim"
        let body = multipartBody(
            boundary: boundary, fileName: "big.bin", file: [UInt8](repeating: 1, count: 230_000), fields: [:])
        let response = try send(
            "POST", "/upload", headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"], body: body)
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.object["limit"] as? Int, 200_000)
        XCTAssertTrue(try XCTUnwrap(sinks.last).aborted)

        let raw = try send(
            "POST", "/upload", headers: ["Content-Type": "application/octet-stream"],
            body: [UInt8](repeating: 2, count: 400_000), expectContinue: true)
        XCTAssertEqual(raw.status, 413)
    }

    func testFileResponseStreamsFromDisk() throws {
        let response = try send("GET", "/file")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(Data(response.body), try Data(contentsOf: fileURL))
    }

    func testConcurrentClients() throws {
        let clients = 32, perClient = 50
        let failures = NSLock()
        var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            for i in 0..<perClient {
                let path = i % 2 == 0 ? "/hello" : "/items/c\(client)-\(i)"
                do {
                    let response = try HTTPClient.send(port: server.port, method: "GET", path: path)
                    let ok =
                        response.status == 200
                        && (i % 2 == 0
                            ? response.object["greeting"] as? String == "hello"
                            : response.object["id"] as? String == "c\(client)-\(i)")
                    if !ok {
                        failures.lock(); errors.append("\(path): \(response.status) \(response.text)");
                        failures.unlock()
                    }
                } catch {
                    failures.lock(); errors.append("\(path): \(error)"); failures.unlock()
                }
            }
        }
        XCTAssertEqual(errors, [])
        // Every request was reported once to the metrics hook and the access log.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            recordLock.lock(); let n = completed.count; recordLock.unlock()
            if n >= clients * perClient { break }
            usleep(10_000)
        }
        recordLock.lock(); defer { recordLock.unlock() }
        XCTAssertEqual(completed.count, clients * perClient)
        XCTAssertEqual(logLines.count, clients * perClient)
        XCTAssertEqual(completed.filter { $0.route == "/items/{id}" }.count, clients * perClient / 2)
        XCTAssertTrue(logLines.allSatisfy { $0.contains(" GET /") && $0.contains(" 200 ") && $0.hasSuffix("ms") })
    }

    func testStopRefusesNewConnections() throws {
        XCTAssertEqual(try send("GET", "/hello").status, 200)
        let port = server.port
        server.stop()
        XCTAssertThrowsError(try HTTPClient.send(port: port, method: "GET", path: "/hello", timeout: 2))
    }

    func testRouteTableIsExposed() {
        let routes = Set(server.router.routes.map { "\($0.method) \($0.pattern)" })
        XCTAssertTrue(routes.contains("GET /items/{id}"))
        XCTAssertTrue(routes.contains("POST /upload"))
        XCTAssertEqual(server.router.routes.count, 10)
    }
}

func multipartBody(boundary: String, fileName: String, file: [UInt8], fields: [String: String]) -> [UInt8] {
    var body: [UInt8] = []
    for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }
    body += Array(
        ("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; "
            + "filename=\"\(fileName.replacingOccurrences(of: "\\", with: "\\\\"))\"\r\n"
            + "Content-Type: application/x-hdf5\r\n\r\n").utf8)
    body += file
    body += Array("\r\n--\(boundary)--\r\n".utf8)
    return body
}

func occurrences(of needle: [UInt8], in hay: [UInt8]) -> [Int] {
    guard hay.count >= needle.count else { return [] }
    return (0...(hay.count - needle.count)).filter { Array(hay[$0..<($0 + needle.count)]) == needle }
}
