// KerasHDF5: .h5 read and write errors in the one error vocabulary — a file that is not a
// readable tf_keras model.
import Diagnostics

extension KerasH5Error: UserFacingError {
    public var problemType: ProblemType { .invalidModel }
}
