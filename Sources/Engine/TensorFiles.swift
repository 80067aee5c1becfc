// Engine: tensors as the front ends exchange them — a stored dataset's first array, an input
// batch from a .npy/.npz file or request body, outputs written back as .npy/.npz — and the check
// an uploaded tensor file passes before it is stored.
import Foundation
import NumPyIO
import Tensors

/// Reading and writing the tensor files datasets, inputs and outputs live in.
public enum TensorFiles {
    static let npyMagic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    /// The first array of a .npy or .npz dataset file (told apart by content); `subject` names the
    /// dataset in the error for an empty archive.
    public static func firstArray(contentsOf url: URL, subject: String) throws -> NDArray {
        guard let first = try datasetArrays(contentsOf: url).first else {
            throw DatasetError("\(subject) holds no arrays")
        }
        return first.array
    }

    /// Named arrays of a .npy or .npz dataset file told apart by content (a .npy's one array is named "").
    public static func datasetArrays(contentsOf url: URL) throws -> [(name: String, array: NDArray)] {
        let handle = try FileHandle(forReadingFrom: url)
        let head = [UInt8](try handle.read(upToCount: 4) ?? Data())
        try? handle.close()
        return head == zipMagic ? try NPZ.read(contentsOf: url) : [("", try NPY.read(contentsOf: url))]
    }

    /// The first array of a .npy or .npz dataset file in batches of at most `rows` rows (with the
    /// array's total row count), read as they are needed: one batch in memory at a time.
    public static func forEachBatch(
        contentsOf url: URL, rows: Int, _ body: (_ batch: NDArray, _ totalRows: Int) throws -> Void
    ) throws {
        try NPY.forEachBatch(contentsOf: url, rows: rows, body)
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

    /// An input batch sent as bytes: a .npy (one input) or a .npz (one array per input).
    public static func decode(_ body: [UInt8]) throws -> [(name: String, array: NDArray)] {
        if body.starts(with: zipMagic) { return try NPZ.decode(body) }
        guard body.starts(with: npyMagic) else {
            throw DatasetError(
                body.isEmpty
                    ? "send the input batch as the body (.npy, or .npz for several inputs)"
                    : "the body is not a NumPy file: expected .npy (starts with \\x93NUMPY) or .npz")
        }
        return [("", try NPY.decode(body))]
    }

    /// One array as .npy bytes.
    public static func npy(_ array: NDArray) -> [UInt8] { NPY.encode(array) }

    /// Named arrays as .npz bytes.
    public static func npz(_ arrays: [(name: String, array: NDArray)]) throws -> [UInt8] { try NPZ.encode(arrays) }
}
