// NumPyIO: .npy and .npz errors in the one error vocabulary — a tensor file that cannot be used.
import Diagnostics

extension NumPyError: UserFacingError {
    public var problemType: ProblemType { .invalidTensor }
}

extension NPZError: UserFacingError {
    public var problemType: ProblemType { .invalidTensor }
}

extension RowWriterError: UserFacingError {
    public var problemType: ProblemType { .invalidTensor }
}
