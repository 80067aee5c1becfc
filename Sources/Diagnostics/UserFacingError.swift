// Diagnostics: the one error vocabulary every user-facing error adopts (leaf module, no
// dependencies). An error says which layer is at fault, which rule it breaks, what to do, and
// which stable problem type it is; the Service maps any of them to RFC 9457 problem+json with
// the same fields for synchronous routes and jobs.

/// Stable problem type slugs (the last path segment of a problem's `type` URI). Documented in
/// `docs/api.md`; never rename one: clients dispatch on them.
public enum ProblemType: String, Sendable, CaseIterable {
    /// A float Keras layer whose config, weights or inputs the engine cannot use.
    case invalidLayer = "invalid-layer"
    /// A Keras layer class (or construct such as Lambda) the engine does not run.
    case unsupportedLayer = "unsupported-layer"
    /// A model file that is not a readable Keras/Akida model.
    case invalidModel = "invalid-model"
    /// Quantization refused the model or its parameters.
    case quantizationFailed = "quantization-failed"
    /// Bad quantization parameters or q_config.
    case invalidQuantizationParams = "invalid-quantization-params"
    /// The model breaks an Akida conversion rule.
    case conversionFailed = "conversion-failed"
    /// A tensor file (.npy/.npz) or dataset that cannot be used.
    case invalidTensor = "invalid-tensor"
    /// An input that does not fit the model (shape, dtype).
    case invalidInput = "invalid-input"
    /// The Akida model (JSON/.fbz) is malformed.
    case invalidAkidaModel = "invalid-akida-model"
    /// The operation does not apply to this kind of model (e.g. converting a float model).
    case wrongModelKind = "wrong-model-kind"
}

/// An error a user can act on. Adopted by conversion, quantization, float layer, format and
/// dataset errors; `CustomStringConvertible` stays the one-line text the CLI prints.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// The stable problem type.
    var problemType: ProblemType { get }
    /// A short title for the problem type (same for every instance of the type).
    var title: String { get }
    /// The layer at fault, when one is.
    var layer: String? { get }
    /// A short stable identifier of the broken rule (e.g. `v1-unbounded-relu`), when known.
    var rule: String? { get }
    /// What to change so the operation succeeds, when known.
    var fix: String? { get }
}

extension UserFacingError {
    public var layer: String? { nil }
    public var rule: String? { nil }
    public var fix: String? { nil }
    public var title: String { problemType.defaultTitle }
}

extension ProblemType {
    /// The title used when an error does not give its own.
    public var defaultTitle: String {
        switch self {
        case .invalidLayer: return "Invalid layer"
        case .unsupportedLayer: return "Unsupported layer"
        case .invalidModel: return "Invalid model file"
        case .quantizationFailed: return "Quantization failed"
        case .invalidQuantizationParams: return "Invalid quantization parameters"
        case .conversionFailed: return "Conversion failed"
        case .invalidTensor: return "Invalid tensor file"
        case .invalidInput: return "Invalid input"
        case .invalidAkidaModel: return "Invalid Akida model"
        case .wrongModelKind: return "Not available for this kind of model"
        }
    }
}
