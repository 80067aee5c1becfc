// Report: a compatibility report as JSON, for the CLI and the service.
import JSON

public struct CompatibilityReport: Sendable {
    public var target: AkidaTarget
    public var problems: [CompatibilityProblem]

    public init(target: AkidaTarget, problems: [CompatibilityProblem]) {
        self.target = target
        self.problems = problems
    }

    public var compatible: Bool { problems.isEmpty }

    /// `{"akida_version": "v2", "compatible": false, "problems": [{"layer", "rule", "kind", "message", "fix"}]}`
    public var jsonValue: JSONValue {
        .object([
            ("akida_version", .string(target.rawValue)),
            ("compatible", .bool(compatible)),
            (
                "problems",
                .array(
                    problems.map { p in
                        .object([
                            ("layer", p.layer.map { .string($0) } ?? .null),
                            ("rule", .string(p.rule)),
                            ("kind", .string(p.kind.rawValue)),
                            ("message", .string(p.message)),
                            ("fix", .string(p.fix)),
                        ])
                    })
            ),
        ])
    }

    public var json: String { jsonValue.serialized(pretty: true) }
}
