// ServiceTests: a real Service (real SQLite in a temp directory) on a loopback port, plus helpers
// that compute expected digests with the system's sha256sum rather than our own code.
import Foundation
import HTTPServer
import Service
import XCTest

final class Harness {
    let directory: URL
    let service: Service
    var port: Int { service.port }

    init(_ adjust: (inout ServiceConfiguration) -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spikeforge-test-\(UUID().uuidString)")
        var configuration = ServiceConfiguration()
        configuration.port = 0
        configuration.dataDir = directory.path
        configuration.accessLog = false
        configuration.shutdownTimeoutSeconds = 5
        adjust(&configuration)
        service = try Service(configuration: configuration)
        try service.start()
    }

    func close() {
        service.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func send(
        _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = [],
        expectContinue: Bool = false
    ) throws -> HTTPClientResponse {
        try HTTPClient.send(
            port: port, method: method, path: path, headers: headers, body: body, expectContinue: expectContinue)
    }

    func json(
        _ method: String, _ path: String, _ object: Any, headers: [String: String] = [:]
    ) throws -> HTTPClientResponse {
        let body = try JSONSerialization.data(withJSONObject: object)
        return try send(
            method, path, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a },
            body: [UInt8](body))
    }

    func uploadMultipart(
        _ path: String, file: [UInt8], filename: String, headers: [String: String] = [:],
        expectContinue: Bool = false
    ) throws -> HTTPClientResponse {
        let boundary = "sfTestBoundary\(UUID().uuidString.prefix(8))"
        let partHeader =
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; "
            + "filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        var body = Array(partHeader.utf8)
        body += file
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return try send(
            "POST", path,
            headers: headers.merging(["Content-Type": "multipart/form-data; boundary=\(boundary)"]) { a, _ in a },
            body: body, expectContinue: expectContinue)
    }

    /// Polls a job until `done` holds for it (or the timeout passes); returns the last view.
    func waitForJob(
        _ id: String, timeout: TimeInterval = 30, headers: [String: String] = [:],
        until done: ([String: Any]) -> Bool
    ) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any] = [:]
        while Date() < deadline {
            last = try send("GET", "/v1/jobs/\(id)", headers: headers).object
            if done(last) { return last }
            usleep(20_000)
        }
        return last
    }
}

enum Oracle {
    /// sha256 of a file by coreutils' sha256sum (independent of Persistence.SHA256).
    static func sha256sum(_ url: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: output, as: UTF8.self).prefix(64))
    }

    static func sha256sum(_ bytes: [UInt8]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("oracle-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try sha256sum(url)
    }
}

/// The repository root, found from this file's location.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
