// HTTPServer: requests, responses, RFC 9457 problem details and JSON helpers.
// Generic HTTP vocabulary shared by the router, the libmicrohttpd wrapper and applications.
import Foundation
import JSON

public enum HTTPMethod: String, CaseIterable, Sendable {
    case GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS
}

/// One HTTP request as a handler sees it. Header names are lower-cased.
public struct Request {
    public let method: String
    public let path: String
    public let headers: [String: String]
    public let query: [String: String]
    /// Values captured by `{name}` segments of the matched route pattern.
    public var pathParameters: [String: String]
    /// The matched route pattern (e.g. `/v1/jobs/{id}`), nil when nothing matched.
    public var route: String?
    /// The buffered body (empty for upload routes, whose body goes to an `UploadSink`).
    public var body: [UInt8]

    public init(
        method: String, path: String, headers: [String: String] = [:], query: [String: String] = [:],
        pathParameters: [String: String] = [:], route: String? = nil, body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.headers = headers
        self.query = query
        self.pathParameters = pathParameters
        self.route = route
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The path parameter `name`; a 404 problem when the route has none (a programming slip).
    public func parameter(_ name: String) throws -> String {
        guard let value = pathParameters[name] else {
            throw HTTPProblem(status: 404, detail: "route \(route ?? path) has no parameter '\(name)'")
        }
        return value
    }

    /// Decodes the JSON body; malformed bodies become a 400 problem naming the decoding error.
    public func decodeJSON<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = JSONCoders.decoder) throws -> T {
        if let contentType = header("content-type"),
            !contentType.lowercased().hasPrefix("application/json"), !contentType.lowercased().contains("+json")
        {
            throw HTTPProblem(status: 415, detail: "expected Content-Type application/json, got \(contentType)")
        }
        do {
            return try decoder.decode(T.self, from: Data(body))
        } catch let error as DecodingError {
            throw HTTPProblem(status: 400, title: "Malformed JSON body", detail: JSONCoders.describe(error))
        } catch {
            throw HTTPProblem(status: 400, title: "Malformed JSON body", detail: "\(error)")
        }
    }
}

/// A response: status, headers and a body held in memory or streamed from a file.
public struct Response {
    public enum Body {
        case bytes([UInt8])
        /// Streamed from disk by the server; the file is opened when the response is sent.
        /// `length` nil: from `offset` to the end.
        case file(path: String, offset: Int64 = 0, length: Int64? = nil)
    }

    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Body

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }

    public static func json<T: Encodable>(
        _ value: T, status: Int = 200, encoder: JSONEncoder = JSONCoders.encoder
    ) -> Response {
        do {
            let data = try encoder.encode(value)
            return Response(
                status: status, headers: [("Content-Type", "application/json")], body: .bytes([UInt8](data) + [0x0A]))
        } catch {
            return HTTPProblem(status: 500, detail: "response could not be encoded as JSON: \(error)").response()
        }
    }

    /// A JSON response from Foundation values (dictionaries, arrays, strings, numbers, NSNull).
    public static func json(object: Any, status: Int = 200) -> Response {
        do {
            return Response(
                status: status, headers: [("Content-Type", "application/json")],
                body: .bytes(Array(try JSONValue(foundation: object).serialized(.compact).utf8) + [0x0A]))
        } catch {
            return HTTPProblem(status: 500, detail: "response is not JSON-serialisable: \(error)").response()
        }
    }

    public static func text(
        _ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8"
    ) -> Response {
        Response(status: status, headers: [("Content-Type", contentType)], body: .bytes(Array(text.utf8)))
    }

    public static func file(_ path: String, contentType: String, downloadName: String? = nil) -> Response {
        var response = Response(status: 200, headers: [("Content-Type", contentType)], body: .file(path: path))
        if let name = downloadName {
            response.headers.append(("Content-Disposition", ContentDisposition.attachment(name)))
        }
        return response
    }

    public static func empty(status: Int = 204) -> Response { Response(status: status) }
}

/// An error the client can act on, rendered as `application/problem+json` (RFC 9457).
/// Extra members (e.g. `layer`, `allowed`) travel in `extra`; values must be JSON-serialisable.
public struct HTTPProblem: Error, CustomStringConvertible {
    public var status: Int
    public var title: String
    public var detail: String
    public var type: String
    public var extra: [String: Any]
    /// Extra response headers (e.g. `Allow` on 405, `WWW-Authenticate` on 401).
    public var headers: [(name: String, value: String)]

    public init(
        status: Int, title: String? = nil, detail: String, type: String = "about:blank",
        extra: [String: Any] = [:], headers: [(name: String, value: String)] = []
    ) {
        self.status = status
        self.title = title ?? HTTPStatus.reason(status)
        self.detail = detail
        self.type = type
        self.extra = extra
        self.headers = headers
    }

    public var description: String { "\(status) \(title): \(detail)" }

    public var jsonObject: [String: Any] {
        var object = extra
        object["type"] = type
        object["title"] = title
        object["status"] = status
        object["detail"] = detail
        return object
    }

    public func response(instance: String? = nil) -> Response {
        var object = jsonObject
        if let instance { object["instance"] = instance }
        let data =
            (try? JSONValue(foundation: object)).map { Array($0.serialized(.compact).utf8) }
            ?? Array("{\"status\":\(status)}".utf8)
        return Response(
            status: status, headers: [("Content-Type", "application/problem+json")] + headers,
            body: .bytes(data + [0x0A]))
    }
}

/// Errors from other layers that know which problem they are.
public protocol HTTPProblemConvertible: Error {
    var problem: HTTPProblem { get }
}

public enum HTTPStatus {
    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "HTTP \(status)"
        }
    }
}

/// Shared JSON coders: sorted keys, ISO 8601 dates, no escaped slashes.
public enum JSONCoders {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// A one-line description of a decoding error that names the offending key path.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.isEmpty
                ? "(root)" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' at \(path(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "wrong type at \(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "null at \(path(context.codingPath)): expected \(type)"
        case .dataCorrupted(let context):
            return "invalid JSON at \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
