// HTTPServerTests: a real server on loopback against hostile clients — slow headers holding every
// slot, a path that tries to forge an access-log line, oversized request targets and headers.
import Foundation
import HTTPServer
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A raw TCP connection to the server, for clients that misbehave.
final class RawConnection {
    let fd: Int32

    init(port: Int, receiveTimeoutSeconds: Int = 15) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else { throw ServerError(message: "connect failed: \(errno)") }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// What the server sent until it closed the connection; nil when the receive timeout passed
    /// with the connection still open.
    func readUntilClosed() -> [UInt8]? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                received += buffer[0..<n]
            } else if n == 0 || errno == ECONNRESET {
                return received
            } else {
                return nil
            }
        }
    }
}

final class HardeningTests: XCTestCase {
    var server: HTTPServer!
    let logLock = NSLock()
    var logLines: [String] = []

    func start(_ options: ServerOptions) throws {
        let router = Router()
        router.add(.GET, "/healthz") { _ in .json(object: ["status": "ok"]) }
        router.add(.GET, "/hello") { _ in .json(object: ["greeting": "hello"]) }
        server = HTTPServer(options: options, router: router)
        server.accessLog = { [unowned self] line in
            logLock.lock(); logLines.append(line); logLock.unlock()
        }
        try server.start()
    }

    override func tearDown() { server?.stop(drainTimeout: 1) }

    func lines() -> [String] {
        logLock.lock(); defer { logLock.unlock() }
        return logLines
    }

    func testSlowHeadersFromOneAddressDoNotLockOutHealthChecks() throws {
        try start(
            ServerOptions(
                port: 0, threads: 2, connectionLimit: 48, perIPConnectionLimit: 32, connectionTimeout: 60,
                headerTimeout: 30))
        // 64 clients from 127.0.0.1 that start a request and never finish its header.
        var slow: [RawConnection] = []
        for _ in 0..<64 {
            let connection = try RawConnection(port: server.port)
            connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n")
            slow.append(connection)
        }
        for _ in 0..<5 {
            let health = try HTTPClient.send(port: server.port, method: "GET", path: "/healthz", timeout: 10)
            XCTAssertEqual(health.status, 200, health.text)
            XCTAssertEqual(health.object["status"] as? String, "ok")
        }
        // The slots went to the health checks by closing the oldest slow headers.
        XCTAssertTrue(lines().contains { $0.contains("closed a connection from 127.0.0.1") }, "\(lines())")
        withExtendedLifetime(slow) {}
    }

    func testHeaderDeadlineClosesASlowSenderThatKeepsTheIdleTimerAlive() throws {
        try start(ServerOptions(port: 0, threads: 1, connectionTimeout: 60, headerTimeout: 1))
        let connection = try RawConnection(port: server.port, receiveTimeoutSeconds: 1)
        connection.send("GET /hello HTTP/1.1\r\n")
        var closed = false
        // One header line a second keeps a 60 s idle timeout from ever firing.
        for index in 0..<20 where !closed {
            if connection.readUntilClosed() != nil {
                closed = true
            } else {
                connection.send("X-Slow-\(index): 1\r\n")
            }
        }
        XCTAssertTrue(closed, "a header sent one line a second is cut off by the 1 s header deadline")
        let deadline = Date().addingTimeInterval(5)  // the line is written just after the socket is shut
        while !lines().contains(where: { $0.contains("header deadline") }) && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(lines().contains { $0.contains("header deadline") }, "\(lines())")
        // A prompt client is unaffected.
        XCTAssertEqual(try HTTPClient.send(port: server.port, method: "GET", path: "/hello").status, 200)
    }

    func testAForgedPathLeavesOneLogLine() throws {
        try start(ServerOptions(port: 0, threads: 1))
        let forged = "/hello%0A2026-01-01T00:00:00Z%20GET%20/admin%20200%200B%200.01ms%0D%1B[31m"
        let response = try HTTPClient.send(port: server.port, method: "GET", path: forged)
        XCTAssertEqual(response.status, 404)
        let deadline = Date().addingTimeInterval(5)
        while lines().isEmpty && Date() < deadline { usleep(10_000) }
        let logged = lines()
        XCTAssertEqual(logged.count, 1, "\(logged)")
        let line = try XCTUnwrap(logged.first)
        XCTAssertFalse(line.contains { $0.isNewline || $0 == "\u{1B}" }, line)
        XCTAssertTrue(line.contains("/hello\\x0a2026-01-01T00:00:00Z\\x20GET\\x20/admin"), line)
        XCTAssertEqual(line.split(separator: " ").count, 6, line)
    }

    func testOversizedTargetsAndHeadersAreProblems() throws {
        try start(ServerOptions(port: 0, threads: 1, maxURLBytes: 1024, maxHeaderBytes: 4096))
        let long = try HTTPClient.send(
            port: server.port, method: "GET", path: "/hello?pad=" + String(repeating: "a", count: 5000))
        XCTAssertEqual(long.status, 414, long.text)
        XCTAssertEqual(long.headers["content-type"], "application/problem+json")
        XCTAssertEqual(long.object["status"] as? Int, 414)
        XCTAssertEqual(long.object["limit"] as? Int, 1024)

        let fat = try HTTPClient.send(
            port: server.port, method: "GET", path: "/hello",
            headers: ["X-Pad-1": String(repeating: "b", count: 3000), "X-Pad-2": String(repeating: "c", count: 3000)])
        XCTAssertEqual(fat.status, 431, fat.text)
        XCTAssertEqual(fat.headers["content-type"], "application/problem+json")
        XCTAssertEqual(fat.object["title"] as? String, "Request Header Fields Too Large")
        XCTAssertEqual(fat.object["limit"] as? Int, 4096)
        XCTAssertEqual(try HTTPClient.send(port: server.port, method: "GET", path: "/hello").status, 200)
    }
}
