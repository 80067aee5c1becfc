// HTTPServer: the libmicrohttpd wrapper — the only code in SpikeForge that touches MHD.
// MHD runs its own thread pool; each request becomes an `Exchange` stored in MHD's per-request
// slot (`con_cls`), fed body chunks as they arrive, and released in the completion callback,
// which also writes the access-log line and reports the request to the metrics hook.
import CMicroHTTPD
import Foundation

#if canImport(Glibc)
import Glibc
#endif

public struct ServerOptions: Sendable {
    public var host: String
    /// 0 picks a free port (see `HTTPServer.port` after `start()`).
    public var port: Int
    /// Threads of MHD's internal pool; handlers run on them.
    public var threads: Int
    public var connectionLimit: Int
    /// 0 = no per-IP limit.
    public var perIPConnectionLimit: Int
    /// Idle seconds before MHD closes a connection; 0 = never.
    public var connectionTimeout: Int
    /// Cap for buffered (non-upload) request bodies unless a route sets its own.
    public var maxBodyBytes: Int
    /// Seconds from accept (or from the previous response) to a complete request header; 0 = none.
    public var headerTimeout: Int
    /// Longest request target (path and query) answered; longer ones get a 414 problem.
    public var maxURLBytes: Int
    /// Largest request header block answered; larger ones get a 431 problem.
    public var maxHeaderBytes: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, threads: Int = 4, connectionLimit: Int = 512,
        perIPConnectionLimit: Int = 0, connectionTimeout: Int = 60, maxBodyBytes: Int = 1 << 20,
        headerTimeout: Int = 0, maxURLBytes: Int = 8 << 10, maxHeaderBytes: Int = 32 << 10
    ) {
        self.headerTimeout = headerTimeout
        self.maxURLBytes = maxURLBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.host = host
        self.port = port
        self.threads = threads
        self.connectionLimit = connectionLimit
        self.perIPConnectionLimit = perIPConnectionLimit
        self.connectionTimeout = connectionTimeout
        self.maxBodyBytes = maxBodyBytes
    }
}

public struct ServerError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { "HTTP server: \(message)" }
}

/// What the metrics hook learns about each finished request.
public struct CompletedRequest: Sendable {
    public let method: String
    public let path: String
    /// The matched route pattern, nil for 404/405.
    public let route: String?
    public let status: Int
    public let bytes: Int
    public let durationMilliseconds: Double
}

public final class HTTPServer {
    public let options: ServerOptions
    public let router: Router
    /// Receives one access-log line per request; stderr by default, nil to silence.
    public var accessLog: ((String) -> Void)? = { line in fputs(line + "\n", stderr) }
    /// Called once per finished request (route/status counters for metrics).
    public var onRequestCompleted: ((CompletedRequest) -> Void)?
    public private(set) var port = 0

    private var daemon: OpaquePointer?
    private var listenSocket: Int32 = -1
    private let lock = NSLock()
    private var inFlight = 0
    fileprivate let connections: ConnectionGuard

    public init(options: ServerOptions, router: Router) {
        self.options = options
        self.router = router
        connections = ConnectionGuard(
            connectionLimit: options.connectionLimit, perAddressLimit: options.perIPConnectionLimit,
            headerTimeoutSeconds: options.headerTimeout)
    }

    deinit { stop(drainTimeout: 0) }

    public func start() throws {
        guard daemon == nil else { return }
        let fd = try HTTPServer.listen(host: options.host, port: options.port)
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = address.ss_family
        port = withUnsafePointer(to: &address) { pointer -> Int in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                Int(UInt16(bigEndian: $0.pointee.sin_port))
            }
        }

        let me = Unmanaged.passUnretained(self).toOpaque()
        let flags =
            MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_AUTO.rawValue | MHD_USE_ITC.rawValue
            | MHD_USE_ERROR_LOG.rawValue
        // The global and per-address caps are the ConnectionGuard's (it makes room instead of
        // refusing); MHD's own cap, which it checks first and splits between its threads, is a
        // backstop well above them, for uneven threads and connections being shut down.
        // MHD answers an oversized header with an HTML page, so its buffer is kept well above the
        // limits at which the Exchange answers 414/431 as problems.
        let backstop = 2 * options.connectionLimit + 16
        let memory = max(64 << 10, 2 * (options.maxURLBytes + options.maxHeaderBytes) + (16 << 10))
        let arguments: [CVarArg] = [
            Int32(MHD_OPTION.LISTEN_SOCKET.rawValue), fd,
            Int32(MHD_OPTION.THREAD_POOL_SIZE.rawValue), UInt32(max(1, options.threads)),
            Int32(MHD_OPTION.CONNECTION_LIMIT.rawValue), UInt32(max(1, backstop)),
            Int32(MHD_OPTION.CONNECTION_TIMEOUT.rawValue), UInt32(max(0, options.connectionTimeout)),
            Int32(MHD_OPTION.CONNECTION_MEMORY_LIMIT.rawValue), memory,
            Int32(MHD_OPTION.NOTIFY_COMPLETED.rawValue), unsafeBitCast(completedCallback, to: OpaquePointer.self),
            OpaquePointer(me),
            Int32(MHD_OPTION.NOTIFY_CONNECTION.rawValue), unsafeBitCast(connectionCallback, to: OpaquePointer.self),
            OpaquePointer(me),
            Int32(MHD_OPTION.END.rawValue),
        ]
        connections.onClose = { [weak self] address, reason in
            self?.accessLog?("\(HTTPServer.timestamp()) closed a connection from \(LogText.escape(address)): \(reason)")
        }
        let started = withVaList(arguments) {
            MHD_start_daemon_va(UInt32(flags), 0, acceptCallback, me, accessCallback, me, $0)
        }
        guard let started else {
            close(fd)
            throw ServerError(
                message: "libmicrohttpd refused to start on \(options.host):\(port) (see its log line above)")
        }
        daemon = started
        listenSocket = fd
        connections.startWatching()
    }

    /// Stops accepting at once, lets in-flight requests finish for up to `drainTimeout` seconds,
    /// then stops the daemon.
    public func stop(drainTimeout: TimeInterval = 10) {
        guard let daemon else { return }
        // The listening socket stops accepting now but is closed only after the daemon stops: the
        // worker threads take it out of their epoll sets on their next turn, and libmicrohttpd
        // aborts the process when that finds the descriptor already closed.
        let fd = MHD_quiesce_daemon(daemon)
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
        let deadline = Date().addingTimeInterval(drainTimeout)
        while activeRequests > 0 && Date() < deadline { usleep(10_000) }
        MHD_stop_daemon(daemon)
        if fd >= 0 { close(fd) }
        connections.stopWatching()
        self.daemon = nil
        listenSocket = -1
    }

    public var activeRequests: Int { lock.lock(); defer { lock.unlock() }; return inFlight }

    static func listen(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let info = result else {
            throw ServerError(
                message: "cannot resolve listen address '\(host)': \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw ServerError(message: "socket(): \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw ServerError(
                message: "cannot listen on \(host):\(port): \(message) (is another server using the port?)")
        }
        guard Glibc.listen(fd, 1024) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw ServerError(message: "listen(): \(message)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }

    // MARK: - MHD callbacks

    fileprivate func handle(
        _ connection: OpaquePointer, url: String, method: String,
        data: UnsafePointer<CChar>?, size: UnsafeMutablePointer<Int>,
        slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> MHD_Result {
        guard let raw = slot.pointee else {
            connections.headerReceived(connection)
            lock.lock(); inFlight += 1; lock.unlock()
            let exchange = Exchange(
                method: method, path: url,
                headers: HTTPServer.values(connection, .HEADER_KIND, lowercased: true),
                query: HTTPServer.values(connection, .GET_ARGUMENT_KIND, lowercased: false),
                router: router, limits: options)
            slot.pointee = Unmanaged.passRetained(exchange).toOpaque()
            if let early = exchange.earlyResponse {
                exchange.earlyResponse = nil
                return queue(early, connection, exchange)
            }
            return .YES
        }
        let exchange = Unmanaged<Exchange>.fromOpaque(raw).takeUnretainedValue()
        if size.pointee > 0 {
            let keep = exchange.consume(UnsafeRawBufferPointer(start: data, count: size.pointee))
            size.pointee = 0
            return keep ? .YES : .NO
        }
        if exchange.status != 0 { return .YES }  // already answered early
        return queue(exchange.respond(), connection, exchange)
    }

    private func queue(_ response: Response, _ connection: OpaquePointer, _ exchange: Exchange) -> MHD_Result {
        var response = response
        var mhdResponse: OpaquePointer?
        switch response.body {
        case .bytes(let bytes):
            exchange.bytesSent = bytes.count
            mhdResponse = bytes.withUnsafeBytes {
                MHD_create_response_from_buffer(
                    $0.count, UnsafeMutableRawPointer(mutating: $0.baseAddress),
                    MHD_ResponseMemoryMode.RESPMEM_MUST_COPY)
            }
        case .file(let path, let offset, let length):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            var info = stat()
            if fd >= 0 && fstat(fd, &info) == 0 {
                let count = min(length ?? Int64(info.st_size) - offset, Int64(info.st_size) - offset)
                exchange.bytesSent = Int(max(0, count))
                // MHD owns the descriptor from here and closes it with the response.
                mhdResponse = MHD_create_response_from_fd_at_offset64(UInt64(max(0, count)), fd, UInt64(offset))
                if mhdResponse == nil { close(fd) }
            } else {
                if fd >= 0 { close(fd) }
                response = HTTPProblem(status: 404, detail: "file behind this resource is missing").response(
                    instance: exchange.request.path)
                return queue(response, connection, exchange)
            }
        }
        guard let mhdResponse else { return .NO }
        defer { MHD_destroy_response(mhdResponse) }
        for (name, value) in response.headers { _ = MHD_add_response_header(mhdResponse, name, value) }
        exchange.status = response.status
        return MHD_queue_response(connection, UInt32(response.status), mhdResponse)
    }

    fileprivate func completed(_ exchange: Exchange, on connection: OpaquePointer?) {
        if let connection { connections.requestFinished(connection) }
        exchange.close()
        lock.lock(); inFlight -= 1; lock.unlock()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - exchange.started) / 1e6
        let record = CompletedRequest(
            method: exchange.request.method, path: exchange.request.path,
            route: exchange.request.route, status: exchange.status,
            bytes: exchange.bytesSent, durationMilliseconds: elapsed)
        onRequestCompleted?(record)
        if let accessLog {
            accessLog(
                "\(HTTPServer.timestamp()) \(LogText.escape(record.method)) \(LogText.escape(record.path)) "
                    + "\(record.status) \(record.bytes)B "
                    + String(format: "%.2fms", elapsed))
        }
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(cString: buffer)
    }

    private final class ValueBox {
        var values: [String: String] = [:]
        let lowercased: Bool
        init(lowercased: Bool) { self.lowercased = lowercased }
    }

    private static func values(_ connection: OpaquePointer, _ kind: MHD_ValueKind, lowercased: Bool) -> [String: String]
    {
        let box = ValueBox(lowercased: lowercased)
        withExtendedLifetime(box) {
            _ = MHD_get_connection_values(
                connection, kind,
                { cls, _, key, value in
                    guard let cls, let key else { return .YES }
                    let box = Unmanaged<ValueBox>.fromOpaque(cls).takeUnretainedValue()
                    let name = String(cString: key)
                    box.values[box.lowercased ? name.lowercased() : name] = value.map { String(cString: $0) } ?? ""
                    return .YES
                }, Unmanaged.passUnretained(box).toOpaque())
        }
        return box.values
    }
}

private let accessCallback: MHD_AccessHandlerCallback = { cls, connection, url, method, _, data, size, slot in
    guard let cls, let connection, let size, let slot else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    return server.handle(
        connection, url: url.map { String(cString: $0) } ?? "/",
        method: method.map { String(cString: $0) } ?? "GET",
        data: data, size: size, slot: slot)
}

private let completedCallback: MHD_RequestCompletedCallback = { cls, connection, slot, _ in
    guard let cls, let slot, let raw = slot.pointee else { return }
    slot.pointee = nil
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    server.completed(Unmanaged<Exchange>.fromOpaque(raw).takeRetainedValue(), on: connection)
}

private let acceptCallback: MHD_AcceptPolicyCallback = { cls, address, _ in
    guard let cls, let address else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    return server.connections.admit(ConnectionGuard.address(address)) ? .YES : .NO
}

private let connectionCallback: MHD_NotifyConnectionCallback = { cls, connection, _, event in
    guard let cls, let connection else { return }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    if event == .CONNECTION_NOTIFY_STARTED {
        server.connections.opened(connection, socket: spikeforge_connection_fd(connection))
    } else {
        server.connections.closed(connection)
    }
}
