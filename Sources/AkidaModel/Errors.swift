// The errors of the Akida model and its simulator, in the shared user-facing vocabulary: a model
// akida would refuse is an invalid Akida model; a batch that does not fit it is an invalid input.
import Diagnostics

public enum AkidaModelError: UserFacingError, Equatable {
    case invalidVariable(String)
    case invalidGraph(String)
    case missingParameter(layer: String, parameter: String)
    case missingVariable(layer: String, variable: String)
    case invalidLayer(layer: String, reason: String)
    case invalidInput(String)
    case cancelled

    public var description: String {
        switch self {
        case .invalidVariable(let s): return "invalid Akida variable: \(s)"
        case .invalidGraph(let s): return "invalid Akida model graph: \(s)"
        case .missingParameter(let l, let p): return "layer '\(l)': missing parameter '\(p)'"
        case .missingVariable(let l, let v): return "layer '\(l)': missing variable '\(v)'"
        case .invalidLayer(let l, let r): return "layer '\(l)': \(r)"
        case .invalidInput(let s): return s
        case .cancelled: return "inference cancelled"
        }
    }

    public var problemType: ProblemType {
        switch self {
        case .invalidInput, .cancelled: return .invalidInput
        default: return .invalidAkidaModel
        }
    }

    public var layer: String? {
        switch self {
        case .missingParameter(let l, _), .missingVariable(let l, _), .invalidLayer(let l, _): return l
        default: return nil
        }
    }

    public var rule: String? {
        switch self {
        case .missingParameter: return "missing-parameter"
        case .missingVariable: return "missing-variable"
        default: return nil
        }
    }
}
