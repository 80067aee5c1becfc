// ServiceTests: the built `spikeforge serve` binary as a child process — jobs survive kill -9,
// and SIGTERM returns a running job to the queue.
import Foundation
import HTTPServer
import XCTest

final class ServerProcess {
    let process = Process()
    let log: URL
    private(set) var port = 0

    /// The spikeforge binary next to the test bundle (scripts/test.sh builds it first).
    static var binary: URL {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().deletingLastPathComponent(),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("spikeforge")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return candidates[0].appendingPathComponent("spikeforge")
    }

    init(dataDir: URL, environment: [String: String]) throws {
        let binary = ServerProcess.binary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ServerError(
                message:
                    "no spikeforge binary at \(binary.path): run `swift build -c release --product spikeforge` "
                    + "(scripts/test.sh does)"
            )
        }
        log = dataDir.appendingPathComponent("server-\(UUID().uuidString).log")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = binary
        process.arguments = ["serve", "--port", "0", "--data-dir", dataDir.path]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let handle = try FileHandle(forWritingTo: log)
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        // The server logs "listening on http://HOST:PORT" once it accepts connections.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && process.isRunning {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let value = Int(digits) { port = value; return }
            }
            usleep(20_000)
        }
        throw ServerError(
            message: "spikeforge serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    func send(_ method: String, _ path: String, json: Any? = nil) throws -> HTTPClientResponse {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        if let json {
            body = [UInt8](try JSONSerialization.data(withJSONObject: json))
            headers["Content-Type"] = "application/json"
        }
        return try HTTPClient.send(port: port, method: method, path: path, headers: headers, body: body)
    }

    func kill(_ signal: Int32) {
        Glibc.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }
}

final class CrashRecoveryTests: XCTestCase {
    var dataDir: URL!

    override func setUp() {
        dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("spikeforge-crash-\(UUID().uuidString)")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dataDir) }

    func uploadNoise(_ server: ServerProcess, mebibytes: Int) throws -> String {
        let count = mebibytes << 20
        var header = Array("{'descr': '|u1', 'fortran_order': False, 'shape': (\(count),), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count), 0] + header
        bytes += (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let response = try HTTPClient.send(
            port: server.port, method: "POST", path: "/v1/datasets?name=noise.npy",
            headers: ["Content-Type": "application/octet-stream"], body: bytes)
        XCTAssertEqual(response.status, 201, response.text)
        return try XCTUnwrap(response.object["id"] as? String)
    }

    func state(_ server: ServerProcess, _ id: String) throws -> [String: Any] {
        try server.send("GET", "/v1/jobs/\(id)").object
    }

    func waitUntil(_ timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return false
    }

    func testJobsSurviveKillMinus9() throws {
        let environment = ["SPIKEFORGE_WORKERS": "1", "SPIKEFORGE_ACCESS_LOG": "false"]
        let first = try ServerProcess(dataDir: dataDir, environment: environment)
        let dataset = try uploadNoise(first, mebibytes: 3)
        var ids: [String] = []
        for _ in 0..<3 {
            let response = try first.send(
                "POST", "/v1/jobs",
                json: ["type": "checksum", "params": ["dataset_id": dataset, "max_mib_per_second": 2]])
            XCTAssertEqual(response.status, 202, response.text)
            ids.append(try XCTUnwrap(response.object["id"] as? String))
        }
        XCTAssertTrue(try waitUntil(10) { try state(first, ids[0])["state"] as? String == "running" })
        XCTAssertEqual(try state(first, ids[1])["state"] as? String, "queued")
        first.kill(SIGKILL)

        let second = try ServerProcess(dataDir: dataDir, environment: environment)
        defer { second.kill(SIGTERM) }
        let log = try String(contentsOf: second.log, encoding: .utf8)
        XCTAssertTrue(log.contains("job \(ids[0]) was left running"), log)
        let finished = try waitUntil(60) {
            try ids.allSatisfy { try state(second, $0)["state"] as? String == "succeeded" }
        }
        let views = try ids.map { try state(second, $0) }
        XCTAssertTrue(finished, "every accepted job finishes after the restart: \(views)")
        let resumed = try state(second, ids[0])
        XCTAssertEqual(resumed["attempts"] as? Int, 2, "the interrupted job ran again")
        XCTAssertEqual((resumed["result"] as? [String: Any])?["intact"] as? Bool, true)
    }

    func testSigtermReturnsRunningJobToQueue() throws {
        let environment = ["SPIKEFORGE_WORKERS": "1", "SPIKEFORGE_ACCESS_LOG": "false"]
        let first = try ServerProcess(dataDir: dataDir, environment: environment)
        let dataset = try uploadNoise(first, mebibytes: 4)
        let id = try XCTUnwrap(
            try first.send(
                "POST", "/v1/jobs",
                json: ["type": "checksum", "params": ["dataset_id": dataset, "max_mib_per_second": 1]]
            ).object["id"] as? String)
        XCTAssertTrue(try waitUntil(10) { try state(first, id)["state"] as? String == "running" })
        first.kill(SIGTERM)
        XCTAssertEqual(first.process.terminationStatus, 0, "graceful exit")
        let log = try String(contentsOf: first.log, encoding: .utf8)
        XCTAssertTrue(log.contains("shutting down"), log)

        let second = try ServerProcess(dataDir: dataDir, environment: environment)
        defer { second.kill(SIGTERM) }
        let secondLog = try String(contentsOf: second.log, encoding: .utf8)
        XCTAssertFalse(secondLog.contains("was left running"), "a graceful stop leaves nothing to recover")
        XCTAssertTrue(try waitUntil(30) { try state(second, id)["state"] as? String == "succeeded" })
        XCTAssertEqual(try state(second, id)["attempts"] as? Int, 2)
    }
}
