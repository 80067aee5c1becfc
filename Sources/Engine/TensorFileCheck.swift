// Engine: the check a tensor file passes before the service stores it as a dataset — a .npy whose
// header describes exactly the bytes that follow, or a .npz whose members pass the streaming check.
import Foundation
import NumPyIO

/// What an uploaded tensor file holds.
public struct TensorFileSummary {
    /// NumPy dtype descriptor of the (first) array.
    public var dtype: String
    public var shape: [Int]
    /// True for a .npz archive.
    public var isArchive: Bool
    public var arrays: [(name: String, dtype: String, shape: [Int])]
}

extension TensorFiles {
    /// Checks a tensor file before it is stored: its header must describe exactly the bytes that
    /// follow (.npy), or every member must pass the streaming check (.npz: inflated at most
    /// `maxInflatedBytes` in all, each member at most `maxInflationRatio` times its compressed size,
    /// never held whole). `head` holds its first bytes.
    public static func inspect(
        head: [UInt8], file: URL, size: Int64, maxInflatedBytes: Int, maxInflationRatio: Int
    ) throws -> TensorFileSummary {
        let invalid = DatasetError.init
        if head.starts(with: npyMagic) {
            var prefix = head
            if head.count >= 12, head.count < size {
                // A header longer than the writer's head: read up to the format's header limit.
                let handle = try FileHandle(forReadingFrom: file)
                defer { try? handle.close() }
                prefix = [UInt8](handle.readData(ofLength: 65_536 + 12))
            }
            let header = try NPY.parseHeader(prefix)
            let expected = Int64(header.dataOffset) + Int64(header.dataByteCount)
            guard size == expected else {
                let have = size - Int64(header.dataOffset)
                throw invalid(
                    size < expected
                        ? "malformed .npy: data is truncated: shape \(header.shape) of \(header.dtype.rawValue) "
                            + "needs \(header.dataByteCount) bytes, the file has \(have)"
                        : "malformed .npy: \(size - expected) unexpected bytes after the array data")
            }
            return TensorFileSummary(
                dtype: header.dtype.rawValue, shape: header.shape, isArchive: false,
                arrays: [("array", header.dtype.rawValue, header.shape)])
        }
        if head.starts(with: zipMagic) {
            let limits = NPZLimits(maxTotalBytes: maxInflatedBytes, maxRatio: maxInflationRatio)
            let members = try NPZ.inspect(contentsOf: file, limits: limits)
            guard let first = members.first else { throw invalid("the .npz archive holds no arrays") }
            return TensorFileSummary(
                dtype: first.header.dtype.rawValue, shape: first.header.shape, isArchive: true,
                arrays: members.map { ($0.name, $0.header.dtype.rawValue, $0.header.shape) })
        }
        throw invalid(
            size == 0
                ? "the uploaded file is empty"
                : "not a NumPy file: expected .npy (starts with \\x93NUMPY) or .npz (a zip archive)")
    }
}
