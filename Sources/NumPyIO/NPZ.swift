// NPZ: NumPy `.npz` archives (np.savez / np.savez_compressed) — a zip of `.npy` members,
// stored or deflated. Reading keeps archive order and enforces NPZLimits against zip bombs;
// writing produces stored or deflated archives that numpy.load reads.
import Foundation
import Tensors

public enum NPZError: Error, CustomStringConvertible, Equatable {
    /// The archive structure is broken (bad offsets, CRC mismatch, invalid deflate data).
    case malformed(String)
    /// A valid zip feature that .npz reading does not support (encryption, other methods).
    case unsupported(String)
    /// The archive exceeds an `NPZLimits` bound.
    case limitExceeded(String)
    /// The member `name` is not a loadable `.npy` array.
    case badMember(name: String, NumPyError)

    public var description: String {
        switch self {
        case .malformed(let s): return "malformed .npz: \(s)"
        case .unsupported(let s): return "unsupported .npz: \(s)"
        case .limitExceeded(let s): return ".npz exceeds a limit: \(s)"
        case .badMember(let name, let error): return ".npz member '\(name)': \(error)"
        }
    }
}

/// Bounds applied before anything is decompressed, so that a hostile archive cannot make
/// the reader allocate or inflate without limit.
public struct NPZLimits: Equatable, Sendable {
    public var maxEntries: Int
    /// Largest uncompressed size of one member, in bytes.
    public var maxEntryBytes: Int
    /// Largest sum of the members' uncompressed sizes, in bytes.
    public var maxTotalBytes: Int
    /// Largest uncompressed/compressed ratio of a member above 4 KiB. Deflate cannot exceed
    /// about 1032:1, so the default only rejects members whose declared size is a lie.
    public var maxRatio: Int

    public init(
        maxEntries: Int = 10_000, maxEntryBytes: Int = 1 << 31,
        maxTotalBytes: Int = 1 << 32, maxRatio: Int = 1_100
    ) {
        self.maxEntries = maxEntries
        self.maxEntryBytes = maxEntryBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxRatio = maxRatio
    }

    public static let `default` = NPZLimits()
}

public enum NPZ {
    /// Decodes an in-memory `.npz`: every member in archive order, named without `.npy`.
    public static func decode(_ data: [UInt8], limits: NPZLimits = .default) throws -> [(name: String, array: NDArray)]
    {
        var result: [(name: String, array: NDArray)] = []
        var seen = Set<String>()
        for entry in try Zip.entries(of: data, limits: limits) {
            let name = try memberName(entry, seen: &seen)
            let bytes = try Zip.contents(of: entry, in: data)
            do {
                result.append((name, try NPY.decode(bytes)))
            } catch let error as NumPyError {
                throw NPZError.badMember(name: name, error)
            }
        }
        return result
    }

    /// Reads a `.npz` file; files larger than `limits.maxTotalBytes` are refused unread.
    public static func read(
        contentsOf url: URL, limits: NPZLimits = .default
    ) throws -> [(name: String, array: NDArray)] {
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= limits.maxTotalBytes else {
            throw NPZError.limitExceeded("file is \(size) bytes; the limit is \(limits.maxTotalBytes)")
        }
        return try decode([UInt8](Data(contentsOf: url)), limits: limits)
    }

    /// Encodes arrays as a `.npz` (member `<name>.npy` each), deflated like
    /// `np.savez_compressed` or stored like `np.savez`.
    public static func encode(_ arrays: [(name: String, array: NDArray)], compressed: Bool = true) throws -> [UInt8] {
        var seen = Set<String>()
        for (name, _) in arrays where !seen.insert(name).inserted {
            throw NPZError.malformed("member '\(name)' appears twice")
        }
        return try Zip.archive(arrays.map { ($0.name + ".npy", NPY.encode($0.array)) }, compressed: compressed)
    }

    public static func write(_ arrays: [(name: String, array: NDArray)], to url: URL, compressed: Bool = true) throws {
        try Data(encode(arrays, compressed: compressed)).write(to: url, options: .atomic)
    }
}
