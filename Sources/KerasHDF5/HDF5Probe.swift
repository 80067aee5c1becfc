// HDF5Probe: deciding from the superblock alone — without libhdf5 — whether bytes are
// plausibly an HDF5 file, so that a server can refuse garbage before handing a file to the
// (crash-prone) library or to a child process.
import Foundation

public enum HDF5Probe {
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
    /// How much of a file `problem(at:)` reads: enough for a user block of up to 512 KiB.
    public static let prefixLength = 1 << 20

    /// nil when `prefix` (the first bytes of a file of `fileSize` bytes) starts a plausible
    /// HDF5 file, otherwise what is wrong. Checks the signature (at 0 or a power of two from
    /// 512), the superblock version and field sizes, and that the recorded end of file does
    /// not lie beyond the actual file (truncation).
    public static func problem(prefix: [UInt8], fileSize: Int) -> String? {
        if case .failure(let problem) = superblock(prefix: prefix, fileSize: fileSize) { return problem.reason }
        return nil
    }

    /// The superblock fields the reader needs to follow file addresses itself.
    struct Superblock {
        var version: Int
        /// Where the signature was found (0, or after a user block).
        var signatureOffset: Int
        var baseAddress: Int
        var offsetsSize: Int
        var lengthsSize: Int
        /// Version 0/1 only: symbol-table node and group B-tree fan-out, driver block, root entry.
        var groupLeafK = 0
        var groupInternalK = 0
        var driverInfoAddress: UInt64 = 0
        var rootEntryOffset = 0
    }

    struct Problem: Error { var reason: String }

    static func superblock(prefix: [UInt8], fileSize: Int) -> Result<Superblock, Problem> {
        func fail(_ s: String) -> Result<Superblock, Problem> { .failure(Problem(reason: s)) }
        var offset = 0
        while true {
            if offset + 8 > prefix.count || offset + 8 > fileSize {
                return fail(
                    offset == 0
                        ? "no HDF5 signature (file too short or not HDF5)"
                        : "no HDF5 signature at offset 0 or any power of two from 512")
            }
            if Array(prefix[offset..<(offset + 8)]) == signature { break }
            offset = offset == 0 ? 512 : offset * 2
        }
        func byte(_ i: Int) -> Int? { offset + i < prefix.count ? Int(prefix[offset + i]) : nil }
        func address(_ i: Int, _ size: Int) -> UInt64? {
            guard offset + i + size <= prefix.count else { return nil }
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(prefix[offset + i + k]) << (8 * k) }
            return v
        }
        guard let version = byte(8) else { return fail("superblock is truncated") }
        let offsetsSize: Int?, lengthsSize: Int?, baseField: Int
        switch version {
        case 0, 1:
            offsetsSize = byte(13); lengthsSize = byte(14)
            guard byte(9) == 0, byte(10) == 0, byte(12) == 0 else {
                return fail("superblock version \(version) has unknown sub-versions")
            }
            baseField = version == 0 ? 24 : 28
        case 2, 3:
            offsetsSize = byte(9); lengthsSize = byte(10)
            baseField = 12
        default:
            return fail("unknown superblock version \(version)")
        }
        guard let o = offsetsSize, [2, 4, 8].contains(o), let l = lengthsSize, [2, 4, 8].contains(l) else {
            return fail("superblock declares unsupported address sizes (\(offsetsSize ?? -1), \(lengthsSize ?? -1))")
        }
        // Base address, then (v0/1: free-space | v2/3: extension) address, then end of file.
        guard let base = address(baseField, o), let eof = address(baseField + 2 * o, o) else {
            return fail("superblock is truncated")
        }
        let undefined: UInt64 = o == 8 ? .max : (1 << (8 * UInt64(o))) - 1
        guard eof != undefined, base != undefined else { return fail("superblock has no end-of-file address") }
        // The stored end of file counts from the start of the file, user block included
        // (libhdf5 compares it with the physical size the same way).
        guard eof <= UInt64(fileSize), base <= eof else {
            return fail("file is truncated: the superblock records \(eof) bytes, the file has \(fileSize)")
        }
        var result = Superblock(
            version: version, signatureOffset: offset, baseAddress: Int(base), offsetsSize: o, lengthsSize: l)
        if version <= 1 {
            result.groupLeafK = (byte(16) ?? 0) | (byte(17) ?? 0) << 8
            result.groupInternalK = (byte(18) ?? 0) | (byte(19) ?? 0) << 8
            result.driverInfoAddress = address(baseField + 3 * o, o) ?? undefined
            result.rootEntryOffset = offset + baseField + 4 * o
        }
        return .success(result)
    }

    public static func isPlausibleHDF5(prefix: [UInt8], fileSize: Int) -> Bool {
        problem(prefix: prefix, fileSize: fileSize) == nil
    }

    /// Reads at most `prefixLength` bytes of the file at `url` and checks them.
    public static func problem(at url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "cannot open \(url.path)" }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), (try? handle.seek(toOffset: 0)) != nil,
            let prefix = try? handle.read(upToCount: prefixLength)
        else {
            return "cannot read \(url.path)"
        }
        return problem(prefix: [UInt8](prefix), fileSize: Int(size))
    }

    public static func isPlausibleHDF5(at url: URL) -> Bool { problem(at: url) == nil }
}
