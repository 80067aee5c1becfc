// HTTPServer: a tiny blocking HTTP/1.1 client over POSIX sockets (one request per connection).
// Used by tests, benchmarks and health checks to talk to a server on loopback with full
// control over how the body is split into writes and whether `Expect: 100-continue` is sent.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

public struct HTTPClientResponse {
    public let status: Int
    /// Lower-cased header names.
    public let headers: [String: String]
    public let body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
    public func json() -> Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    public var object: [String: Any] { json() as? [String: Any] ?? [:] }
}

public enum HTTPClient {
    /// Sends one request and reads the response until the server closes the connection.
    /// - Parameters:
    ///   - splits: byte offsets at which the body is cut into separate writes (with a short pause)
    ///   - expectContinue: send headers first and wait for `100 Continue` (or an early final answer)
    public static func send(
        host: String = "127.0.0.1", port: Int, method: String, path: String,
        headers: [String: String] = [:], body: [UInt8] = [], splits: [Int] = [],
        expectContinue: Bool = false, timeout: Int = 60
    ) throws -> HTTPClientResponse {
        let fd = try connect(host: host, port: port, timeout: timeout)
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method) { head += "Content-Length: \(body.count)\r\n" }
        if expectContinue { head += "Expect: 100-continue\r\n" }
        head += "\r\n"
        guard sendAll(fd, Array(head.utf8)[...]) else {
            throw ServerError(message: "client: could not send request headers")
        }

        var received: [UInt8] = []
        if expectContinue && !body.isEmpty {
            // Like curl: wait briefly for the interim answer; a final answer means no body is wanted.
            received = readSome(fd, waitMilliseconds: 1000)
            if let response = try? parse(received), response.status != 100 { return response }
            if let end = headerEnd(received) { received.removeFirst(end) }
        }
        var start = 0
        for cut in (splits.filter { $0 > 0 && $0 < body.count }.sorted() + [body.count]) where cut > start {
            guard sendAll(fd, body[start..<cut]) else { break }  // the server may answer early and close
            start = cut
            if cut < body.count { usleep(3000) }
        }
        received += readAll(fd)
        return try parse(received)
    }

    static func connect(host: String, port: Int, timeout: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw ServerError(message: "client: cannot resolve \(host)")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw ServerError(message: "client: socket(): \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw ServerError(message: "client: connect to \(host):\(port): \(message)")
        }
        return fd
    }

    static func sendAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    static func readSome(_ fd: Int32, waitMilliseconds: Int32) -> [UInt8] {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, waitMilliseconds) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    static func readAll(_ fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }

    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4)
        where bytes[i] == 0x0D && bytes[i + 1] == 0x0A && bytes[i + 2] == 0x0D && bytes[i + 3] == 0x0A {
            return i + 4
        }
        return nil
    }

    static func parse(_ bytes: [UInt8]) throws -> HTTPClientResponse {
        guard let end = headerEnd(bytes) else {
            throw ServerError(message: "client: incomplete response (\(bytes.count) bytes, no header end)")
        }
        let lines = String(decoding: bytes[0..<(end - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw ServerError(message: "client: bad status line '\(lines[0])'")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Array(bytes[end...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        if let length = headers["content-length"].flatMap({ Int($0) }), body.count > length {
            body = Array(body[0..<length])
        }
        return HTTPClientResponse(status: status, headers: headers, body: body)
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard
                let lineEnd = (index..<(bytes.count - 1)).first(where: { bytes[$0] == 0x0D && bytes[$0 + 1] == 0x0A }),
                let size = Int(
                    String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";")[0]
                        .trimmingCharacters(in: .whitespaces), radix: 16), size > 0,
                lineEnd + 2 + size <= bytes.count
            else { break }
            result.append(contentsOf: bytes[(lineEnd + 2)..<(lineEnd + 2 + size)])
            index = lineEnd + 2 + size + 2
        }
        return result
    }
}
