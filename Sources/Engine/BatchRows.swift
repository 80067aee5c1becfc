// Engine: batches along the first axis, sliced and joined on raw bytes (so any dtype), for running
// a dataset through a model in steps.
import Tensors

/// Batches along the first axis, on raw bytes (any dtype).
public enum BatchRows {
    /// Rows `rows` of `array`.
    public static func slice(_ array: NDArray, _ rows: Range<Int>) throws -> NDArray {
        let count = array.shape.first ?? 0
        let rowBytes = count == 0 ? 0 : array.bytes.count / count
        var shape = array.shape
        shape[0] = rows.count
        let bytes = Array(array.bytes[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)])
        return try NDArray(dtype: array.dtype, shape: shape, bytes: bytes)
    }

    /// `b`'s rows after `a`'s.
    public static func append(_ a: NDArray, _ b: NDArray) throws -> NDArray {
        guard a.dtype == b.dtype, a.shape.dropFirst() == b.shape.dropFirst(), !a.shape.isEmpty else {
            throw TensorError.shapeMismatch(
                "batch outputs disagree: \(a.dtype.rawValue) \(a.shape) vs \(b.dtype.rawValue) \(b.shape)")
        }
        var shape = a.shape
        shape[0] += b.shape[0]
        return try NDArray(dtype: a.dtype, shape: shape, bytes: a.bytes + b.bytes)
    }
}
