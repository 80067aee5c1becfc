// Engine: the errors of the façade itself — a file that is no model, an input that does not fit,
// an operation asked of the wrong kind of model, a dataset that cannot be used. Errors of the
// engine modules below pass through unchanged; all of them adopt `UserFacingError`.
import Diagnostics

public enum EngineError: Error, CustomStringConvertible, Equatable {
    case unrecognisedFile(String)
    case badInput(String)
    case wrongKind(String)

    public var description: String {
        switch self {
        case .unrecognisedFile(let s), .badInput(let s), .wrongKind(let s): return s
        }
    }
}

extension EngineError: UserFacingError {
    public var problemType: ProblemType {
        switch self {
        case .unrecognisedFile: return .invalidModel
        case .badInput: return .invalidInput
        case .wrongKind: return .wrongModelKind
        }
    }
}

/// A tensor file (.npy/.npz) used as a dataset or an input batch that cannot be used as one.
public struct DatasetError: Error, CustomStringConvertible, Equatable, UserFacingError {
    public var description: String
    public init(_ description: String) { self.description = description }
    public var problemType: ProblemType { .invalidTensor }
}
