// AkidaFormats: .fbz and Akida JSON errors in the one error vocabulary — a malformed Akida model.
import Diagnostics

extension AkidaFormatError: UserFacingError {
    public var problemType: ProblemType { .invalidAkidaModel }
}
