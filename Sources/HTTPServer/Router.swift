// HTTPServer: the route table — method + path pattern with `{name}` parameters → handler.
// Routes are registered before the server starts and are read-only afterwards (no locking).
import Foundation

/// Receives an upload route's body as it arrives (never whole in memory).
public protocol UploadSink: AnyObject {
    /// One chunk of the file's bytes, in order.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// All bytes arrived; build the response (e.g. move the temp file into the store).
    func finish(_ upload: UploadedFile) throws -> Response
    /// The upload failed or the client went away; release temp resources.
    func abort()
}

/// What the server learnt about an upload besides its bytes.
public struct UploadedFile {
    /// The multipart part's filename, nil for raw bodies.
    public var filename: String?
    public var contentType: String?
    public var size: Int
    /// Small non-file multipart fields (e.g. `-F name=x`).
    public var fields: [String: String]
}

public final class Router {
    public struct RouteInfo: Hashable, Sendable {
        public let method: String
        public let pattern: String
    }

    enum Segment: Equatable {
        case literal(String)
        case parameter(String)
    }

    enum Handler {
        case buffered(maxBody: Int?, (Request) throws -> Response)
        case upload(maxBytes: () -> Int, begin: (Request) throws -> UploadSink)
    }

    struct Entry {
        let method: String
        let pattern: String
        let segments: [Segment]
        let handler: Handler
        /// Appended to the detail of this route's 413 (what to do instead of a bigger body).
        var tooLargeAdvice: String?
        /// Literal segments win over parameters when two patterns match one path.
        var literalCount: Int { segments.filter { if case .literal = $0 { return true } else { return false } }.count }
    }

    enum Resolution {
        case matched(Entry, [String: String])
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    private(set) var entries: [Entry] = []
    /// Runs after a route matched and before any body is read; throw a `HTTPProblem` to refuse
    /// (authentication, for instance). Uploads refused here are never read.
    public var guardRequest: ((Request) throws -> Void)?

    public init() {}

    /// Every registered (method, pattern), in registration order.
    public var routes: [RouteInfo] { entries.map { RouteInfo(method: $0.method, pattern: $0.pattern) } }

    /// An ordinary route whose body (at most `maxBody` bytes, default the server's) is buffered;
    /// `tooLargeAdvice` ends the detail of its 413.
    public func add(
        _ method: HTTPMethod, _ pattern: String, maxBody: Int? = nil, tooLargeAdvice: String? = nil,
        _ handler: @escaping (Request) throws -> Response
    ) {
        entries.append(
            Entry(
                method: method.rawValue, pattern: pattern, segments: Router.parse(pattern),
                handler: .buffered(maxBody: maxBody, handler), tooLargeAdvice: tooLargeAdvice))
    }

    /// A streaming upload route. Multipart bodies forward their file part to the sink; any other
    /// content type is forwarded raw. More than `maxBytes` file bytes → 413.
    public func upload(
        _ method: HTTPMethod, _ pattern: String, maxBytes: @escaping () -> Int,
        begin: @escaping (Request) throws -> UploadSink
    ) {
        entries.append(
            Entry(
                method: method.rawValue, pattern: pattern, segments: Router.parse(pattern),
                handler: .upload(maxBytes: maxBytes, begin: begin)))
    }

    static func parse(_ pattern: String) -> [Segment] {
        pattern.split(separator: "/").map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") { return .parameter(String(part.dropFirst().dropLast())) }
            return .literal(String(part))
        }
    }

    static func match(_ segments: [Segment], _ parts: [Substring]) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let text): if text != part { return nil }
            case .parameter(let name): parameters[name] = String(part)
            }
        }
        return parameters
    }

    func resolve(method: String, path: String) -> Resolution {
        let parts = path.split(separator: "/")
        var allowed: [String] = []
        var best: (Entry, [String: String])?
        for entry in entries {
            guard let parameters = Router.match(entry.segments, parts) else { continue }
            // HEAD is answered by GET routes (libmicrohttpd drops the body).
            let methodMatches = entry.method == method || (method == "HEAD" && entry.method == "GET")
            if methodMatches {
                if best == nil || entry.literalCount > best!.0.literalCount { best = (entry, parameters) }
            } else if !allowed.contains(entry.method) {
                allowed.append(entry.method)
            }
        }
        if let best { return .matched(best.0, best.1) }
        if allowed.isEmpty { return .notFound }
        if allowed.contains("GET") && !allowed.contains("HEAD") { allowed.append("HEAD") }
        return .methodNotAllowed(allowed: allowed)
    }
}
