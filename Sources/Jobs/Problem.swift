// Problem: the RFC 9457 problem object a failed job carries (and the Service serves as
// application/problem+json). The store keeps it as opaque JSON text (`JobRecord.errorJSON`);
// this module owns its shape, so Persistence knows nothing of titles or HTTP status codes.
import JSON
import Persistence

/// An RFC 9457 problem object. Handlers throw it (or a `ProblemConvertible` error) to fail a job
/// with a message the user can act on.
public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
    /// Prefix of the `type` URI of every SpikeForge problem; the slug follows it.
    public static let typeBase = "urn:spikeforge:problem:"

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// Extension members such as `layer` or `rule`.
    public var extensions: [String: String]

    public init(
        type: String = "about:blank", title: String, status: Int, detail: String,
        extensions: [String: String] = [:]
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.extensions = extensions
    }

    public var description: String { "\(title) (\(status)): \(detail)" }

    static let standardKeys: Set<String> = ["type", "title", "status", "detail"]

    /// Compact JSON, keys sorted; extensions never override the standard members.
    public var json: String {
        var pairs = extensions.filter { !Problem.standardKeys.contains($0.key) }.map {
            ($0.key, JSONValue.string($0.value))
        }
        pairs += [
            ("type", .string(type)), ("title", .string(title)), ("status", .integer(Int64(status))),
            ("detail", .string(detail)),
        ]
        return JSONText.canonical(.object(pairs))
    }

    /// Parses a problem object; non-string extension values are kept as their JSON text.
    public init(json: String) throws {
        guard let object = try? JSONValue(parsing: json), let pairs = object.objectPairs else {
            throw StoreError.corruptRow("problem object is not a JSON object: \(json.prefix(200))")
        }
        type = object["type"]?.string ?? "about:blank"
        title = object["title"]?.string ?? ""
        status = object["status"]?.int ?? 500
        detail = object["detail"]?.string ?? ""
        var ext: [String: String] = [:]
        for (key, value) in pairs where !Problem.standardKeys.contains(key) {
            ext[key] = value.string ?? JSONText.canonical(value)
        }
        extensions = ext
    }

    /// What the store records for a job that failed with this problem.
    public var failure: JobFailure { JobFailure(json: json, message: description) }
}

/// Errors that know their problem object; job handlers' errors conform to fail jobs precisely.
public protocol ProblemConvertible: Error {
    var problem: Problem { get }
}

extension JobRecord {
    /// Why the job failed (or was cancelled), parsed from the stored problem object.
    public var problem: Problem? { errorJSON.flatMap { try? Problem(json: $0) } }
}
