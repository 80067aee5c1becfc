// Engine: a user-facing error carried across a process boundary. The service parses uploads with
// `spikeforge inspect --json` in a child process; the child writes the error's fields as JSON, so
// the service reports the same problem (type, title, detail, layer, rule, fix) as when it parses
// in-process.
import Diagnostics
import JSON

public struct ReportedError: UserFacingError, Equatable {
    /// The exit status of a command that wrote a report instead of its result (EX_DATAERR).
    public static let exitCode: Int32 = 65

    public var problemType: ProblemType
    public var title: String
    public var description: String
    public var layer: String?
    public var rule: String?
    public var fix: String?

    public init(_ error: UserFacingError) {
        problemType = error.problemType
        title = error.title
        description = error.description
        layer = error.layer
        rule = error.rule
        fix = error.fix
    }

    /// One line of compact JSON.
    public var json: String {
        var pairs: [(String, JSONValue)] = [
            ("type", .string(problemType.rawValue)), ("title", .string(title)), ("detail", .string(description)),
        ]
        for (key, value) in [("layer", layer), ("rule", rule), ("fix", fix)] {
            if let value { pairs.append((key, .string(value))) }
        }
        return JSONValue.object(pairs).serialized(.compact)
    }

    /// Reads `json`'s output; nil when the text is not such a report.
    public init?(json text: String) {
        guard let value = try? JSONValue(parsing: text), let type = value["type"]?.string.flatMap(ProblemType.init),
            let title = value["title"]?.string, let detail = value["detail"]?.string
        else { return nil }
        problemType = type
        self.title = title
        description = detail
        layer = value["layer"]?.string
        rule = value["rule"]?.string
        fix = value["fix"]?.string
    }
}
