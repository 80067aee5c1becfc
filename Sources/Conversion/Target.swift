// Target: which Akida generation a conversion aims at, and how the default is chosen — the
// CNN2SNN_TARGET_AKIDA_VERSION environment variable, exactly as the reference CLI reads it.
import AkidaModel

/// The Akida IP generation a conversion targets.
public enum AkidaTarget: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// Akida 1.0 (AKD1000 generation).
    case v1
    /// Akida 2.0 (the default).
    case v2

    /// The name the reference prints in its messages (`AkidaVersion.v1`).
    public var description: String { "AkidaVersion.\(rawValue)" }

    public var ipVersion: AkidaIPVersion { self == .v1 ? .v1 : .v2 }

    /// The environment variable that sets the default target.
    public static let environmentVariable = "CNN2SNN_TARGET_AKIDA_VERSION"

    /// The default target for a process environment: `v2` unless the variable names a version.
    public static func fromEnvironment(_ environment: [String: String]) throws -> AkidaTarget {
        guard let value = environment[environmentVariable] else { return .v2 }
        guard let target = AkidaTarget(rawValue: value) else {
            throw ConversionError(
                kind: .invalidArgument, layer: nil, rule: "target-version",
                message: "\(environmentVariable)=\(value) must be one of ['v1', 'v2']",
                fix: "set \(environmentVariable) to v1 or v2, or unset it to target Akida 2.0")
        }
        return target
    }

    /// Parses a user-supplied version name (`v1`, `v2`, also `1`, `2`, `1.0`, `2.0`).
    public init?(argument: String) {
        switch argument.lowercased() {
        case "v1", "1", "1.0": self = .v1
        case "v2", "2", "2.0": self = .v2
        default: return nil
        }
    }
}
