// Tensors: array errors in the one error vocabulary. A shape that does not fit is an input the
// model cannot take; a dtype the kernels do not handle is a tensor file that cannot be used.
import Diagnostics

extension TensorError: UserFacingError {
    public var problemType: ProblemType {
        switch self {
        case .shapeMismatch: return .invalidInput
        case .unsupportedDType: return .invalidTensor
        }
    }
}
