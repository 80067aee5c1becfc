// Engine: tensors as the front ends exchange them — a stored dataset's first array, an input
// batch from .npy/.npz, outputs written back as .npy/.npz — and batches along the first axis
// (sliced on raw bytes, so any dtype), for running a dataset through a model in steps.
import Foundation
import NumPyIO
import Tensors

/// Reading and writing the tensor files datasets, inputs and outputs live in.
public enum TensorFiles {
    static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    /// The first array of a .npy or .npz dataset file (told apart by content); `subject` names the
    /// dataset in the error for an empty archive.
    public static func firstArray(contentsOf url: URL, subject: String) throws -> NDArray {
        let handle = try FileHandle(forReadingFrom: url)
        let head = [UInt8](try handle.read(upToCount: 4) ?? Data())
        try? handle.close()
        if head == zipMagic {
            guard let first = try NPZ.read(contentsOf: url).first else {
                throw DatasetError("\(subject) holds no arrays")
            }
            return first.array
        }
        return try NPY.read(contentsOf: url)
    }

    /// Named arrays of a .npz file, or the one unnamed array of a .npy (by extension).
    public static func arrays(contentsOf url: URL) throws -> [(name: String, array: NDArray)] {
        if url.pathExtension.lowercased() == "npz" { return try NPZ.read(contentsOf: url) }
        return [("", try NPY.read(contentsOf: url))]
    }

    /// Writes named arrays to a .npz path, or the one array to any other path as .npy.
    public static func write(_ arrays: [(name: String, array: NDArray)], to url: URL) throws {
        if url.pathExtension.lowercased() == "npz" {
            try NPZ.write(arrays, to: url)
            return
        }
        guard arrays.count == 1 else {
            throw DatasetError("the model has \(arrays.count) outputs: write them to a .npz file")
        }
        try NPY.write(arrays[0].array, to: url)
    }
}

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
