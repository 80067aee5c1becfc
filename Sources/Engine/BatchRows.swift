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

    /// The rows of `parts` in order, joined once.
    public static func concatenate(_ parts: [NDArray]) throws -> NDArray {
        guard let first = parts.first else { throw TensorError.shapeMismatch("no batch outputs to join") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(parts.reduce(0) { $0 + $1.bytes.count })
        var shape = first.shape
        shape[0] = 0
        for part in parts {
            guard part.dtype == first.dtype, part.shape.dropFirst() == first.shape.dropFirst(), !part.shape.isEmpty
            else {
                throw TensorError.shapeMismatch(
                    "batch outputs disagree: \(first.dtype.rawValue) \(first.shape) vs \(part.dtype.rawValue) "
                        + "\(part.shape)")
            }
            shape[0] += part.shape[0]
            bytes += part.bytes
        }
        return try NDArray(dtype: first.dtype, shape: shape, bytes: bytes)
    }

    /// `b`'s rows after `a`'s.
    public static func append(_ a: NDArray, _ b: NDArray) throws -> NDArray { try concatenate([a, b]) }
}
