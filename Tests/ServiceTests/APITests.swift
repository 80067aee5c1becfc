// ServiceTests: routing errors, authentication, probes, metrics, the status page, concurrency,
// configuration layering and parity between the router and openapi.yaml.
import Foundation
import HTTPServer
import Service
import XCTest

final class APITests: XCTestCase {
    func testUnknownRouteAndWrongMethodAreProblems() throws {
        let harness = try Harness()
        defer { harness.close() }
        let missing = try harness.send("GET", "/v1/nothing-here")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.headers["content-type"], "application/problem+json")
        XCTAssertEqual(missing.object["status"] as? Int, 404)
        XCTAssertNotNil(missing.object["title"] as? String)
        XCTAssertNotNil(missing.object["type"] as? String)

        let wrong = try harness.send("PUT", "/v1/models", body: Array("x".utf8))
        XCTAssertEqual(wrong.status, 405)
        XCTAssertEqual(wrong.headers["content-type"], "application/problem+json")
        XCTAssertEqual(Set((wrong.headers["allow"] ?? "").components(separatedBy: ", ")), ["GET", "POST", "HEAD"])

        let unknownModel = try harness.send("GET", "/v1/models/mdl_00000000000000000000")
        XCTAssertEqual(unknownModel.status, 404)
        XCTAssertEqual(unknownModel.headers["content-type"], "application/problem+json")
    }

    func testBearerAuthentication() throws {
        let open = try Harness()
        XCTAssertEqual(try open.send("GET", "/v1/jobs").status, 200, "no tokens configured: auth is off")
        open.close()

        let harness = try Harness { $0.authTokens = ["s3cret-token", "second-token"] }
        defer { harness.close() }
        let anonymous = try harness.send("GET", "/v1/jobs")
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertEqual(anonymous.headers["content-type"], "application/problem+json")
        XCTAssertEqual(anonymous.headers["www-authenticate"], "Bearer realm=\"spikeforge\"")
        XCTAssertEqual(try harness.send("GET", "/v1/jobs", headers: ["Authorization": "Bearer wrong"]).status, 401)
        XCTAssertEqual(
            try harness.send("GET", "/v1/jobs", headers: ["Authorization": "Bearer s3cret-token"]).status, 200)
        XCTAssertEqual(
            try harness.send("GET", "/v1/models", headers: ["Authorization": "bearer second-token"]).status, 200)
        // Uploads are refused before their body is read.
        let upload = try harness.send(
            "POST", "/v1/models", headers: ["Content-Type": "application/octet-stream"],
            body: [UInt8](repeating: 1, count: 200_000), expectContinue: true)
        XCTAssertEqual(upload.status, 401)
        // Probes, metrics and the page stay open for load balancers and browsers.
        XCTAssertEqual(try harness.send("GET", "/healthz").status, 200)
        XCTAssertEqual(try harness.send("GET", "/readyz").status, 200)
        XCTAssertEqual(try harness.send("GET", "/metrics").status, 200)
        XCTAssertEqual(try harness.send("GET", "/").status, 200)
    }

    func testProbesAndMetrics() throws {
        let harness = try Harness()
        defer { harness.close() }
        XCTAssertEqual(try harness.send("GET", "/healthz").object["status"] as? String, "ok")
        let ready = try harness.send("GET", "/readyz")
        XCTAssertEqual(ready.status, 200)
        XCTAssertEqual(ready.object["status"] as? String, "ready")
        for _ in 0..<3 { _ = try harness.send("GET", "/v1/jobs") }
        _ = try harness.send("GET", "/v1/jobs/job_x")
        let metrics = try harness.send("GET", "/metrics")
        XCTAssertTrue(metrics.headers["content-type"]?.hasPrefix("text/plain") ?? false)
        let lines = Set(metrics.text.split(separator: "\n").map(String.init))
        XCTAssertTrue(
            lines.contains("spikeforge_http_requests_total{method=\"GET\",route=\"/v1/jobs\",status=\"200\"} 3"),
            metrics.text)
        XCTAssertTrue(
            lines.contains("spikeforge_http_requests_total{method=\"GET\",route=\"/v1/jobs/{id}\",status=\"404\"} 1"))
        XCTAssertTrue(lines.contains("spikeforge_jobs{state=\"queued\"} 0"))
        XCTAssertTrue(lines.contains("spikeforge_job_queue_depth 0"))
        XCTAssertTrue(lines.contains("# TYPE spikeforge_job_duration_seconds histogram"))
        // One active kernel path among those the CPU runs; portable is always one of them.
        XCTAssertEqual(lines.filter { $0.hasPrefix("spikeforge_kernel_path{") && $0.hasSuffix("} 1") }.count, 1)
        XCTAssertTrue(lines.contains { $0.hasPrefix("spikeforge_kernel_path{path=\"portable\"} ") })

        harness.service.stop()
        XCTAssertThrowsError(try harness.send("GET", "/readyz"), "a stopped server accepts no connection")
    }

    func testStatusPageIsSelfContained() throws {
        let harness = try Harness()
        defer { harness.close() }
        let page = try harness.send("GET", "/")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.headers["content-type"]?.hasPrefix("text/html") ?? false)
        XCTAssertTrue(page.text.contains("/v1/jobs"), "the page polls the JSON API")
        XCTAssertTrue(page.text.contains("progress"), "the page draws progress")
        for external in ["http://", "https://", "src=\"//", "href=\"//"] {
            XCTAssertFalse(page.text.contains(external), "the page references an external asset (\(external))")
        }
    }

    func testConcurrentClients() throws {
        let harness = try Harness { $0.httpThreads = 4 }
        defer { harness.close() }
        let clients = 32, perClient = 50
        let lock = NSLock()
        var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            for i in 0..<perClient {
                let path = ["/healthz", "/v1/jobs?limit=5", "/v1/models", "/v1/jobs/job_c\(client)x\(i)"][i % 4]
                let expected = i % 4 == 3 ? 404 : 200
                do {
                    let response = try harness.send("GET", path)
                    if response.status != expected || response.json() == nil {
                        lock.lock(); failures.append("\(path): \(response.status)"); lock.unlock()
                    }
                } catch {
                    lock.lock(); failures.append("\(path): \(error)"); lock.unlock()
                }
            }
        }
        XCTAssertEqual(failures, [])
    }

    func testDataDirectoryBelongsToOneServer() throws {
        let harness = try Harness()
        defer { harness.close() }
        var configuration = harness.service.configuration
        configuration.port = 0
        XCTAssertThrowsError(try Service(configuration: configuration)) { error in
            XCTAssertTrue("\(error)".contains("in use"), "\(error)")
        }
    }

    func testConfigurationLayers() throws {
        let file = repositoryRoot.appendingPathComponent("config/spikeforge.json")
        let fromFile = try ServiceConfiguration.load(file: file.path, environment: [:])
        XCTAssertEqual(fromFile, ServiceConfiguration(), "config/spikeforge.json and the embedded defaults agree")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), Set(ServiceConfiguration.keys), "the file lists every key")

        let environment = [
            "SPIKEFORGE_PORT": "9090", "SPIKEFORGE_AUTH_TOKENS": "a, b", "SPIKEFORGE_ACCESS_LOG": "off",
            "SPIKEFORGE_DATA_DIR": "/var/lib/spikeforge",
        ]
        let layered = try ServiceConfiguration.load(file: file.path, environment: environment)
        XCTAssertEqual(layered.port, 9090)
        XCTAssertEqual(layered.authTokens, ["a", "b"])
        XCTAssertFalse(layered.accessLog)
        XCTAssertEqual(layered.dataDir, "/var/lib/spikeforge")
        XCTAssertEqual(layered.workers, fromFile.workers)

        XCTAssertThrowsError(try ServiceConfiguration.load(file: nil, environment: ["SPIKEFORGE_WORKERS": "many"])) {
            error in
            XCTAssertTrue("\(error)".contains("SPIKEFORGE_WORKERS"))
        }
        var small = ServiceConfiguration()
        try small.apply(json: Data("{\"workers\": 1, \"access_log\": false, \"port\": 0}".utf8), source: "test.json")
        XCTAssertEqual(small.workers, 1)
        XCTAssertFalse(small.accessLog)
        XCTAssertThrowsError(try small.apply(json: Data("{\"access_log\": 1}".utf8), source: "test.json"))

        var typo = ServiceConfiguration()
        XCTAssertThrowsError(try typo.apply(json: Data("{\"wokers\": 3}".utf8), source: "test.json")) { error in
            XCTAssertTrue("\(error)".contains("wokers"))
        }
    }

    /// Paths and methods of openapi.yaml, read line by line: a path is a two-space-indented key
    /// under `paths:` starting with '/', a method a four-space-indented HTTP verb under it.
    static func documentedRoutes() throws -> Set<String> {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        var routes = Set<String>()
        var inPaths = false
        var currentPath: String?
        for line in text.components(separatedBy: "\n") {
            if !line.hasPrefix(" ") && !line.isEmpty && !line.hasPrefix("#") {
                inPaths = line.hasPrefix("paths:"); currentPath = nil; continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && !line.hasPrefix("   ") {
                currentPath = String(line.dropFirst(2).prefix { $0 != ":" })
            } else if let path = currentPath, line.hasPrefix("    ") && !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).prefix { $0 != ":" }.lowercased()
                if ["get", "put", "post", "delete", "patch", "head", "options"].contains(key) {
                    routes.insert("\(key.uppercased()) \(path)")
                }
            }
        }
        return routes
    }

    func testOpenAPIDocumentMatchesTheRouter() throws {
        let harness = try Harness()
        defer { harness.close() }
        let served = Set(harness.service.router.routes.map { "\($0.method) \($0.pattern)" })
        let documented = try APITests.documentedRoutes()
        XCTAssertFalse(documented.isEmpty)
        XCTAssertEqual(served.subtracting(documented).sorted(), [], "served but missing from openapi.yaml")
        XCTAssertEqual(documented.subtracting(served).sorted(), [], "documented but not served")
    }
}
