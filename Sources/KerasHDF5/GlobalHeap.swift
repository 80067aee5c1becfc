// Variable-length strings read without libhdf5's vlen conversion. libhdf5 1.10 trusts the
// global-heap index and length stored in the file (out-of-bounds reads and multi-gigabyte
// allocations on corrupted files), so the reader asks HDF5 only for the raw disk references
// (length, collection address, object index) and follows them here, with bounds checks,
// through the global heap collection ("GCOL") they point into.
import Foundation

final class HDF5RawFile {
    private let handle: FileHandle
    let size: Int
    let superblock: HDF5Probe.Superblock
    /// Parsed collections by absolute address: the collection's bytes and, per object index,
    /// the range of its data within them.
    private var collections: [Int: (body: [UInt8], objects: [UInt16: Range<Int>])] = [:]

    init(url: URL) throws {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw KerasH5Error.notHDF5("cannot open \(url.path)")
        }
        self.handle = handle
        let size = Int((try? handle.seekToEnd()) ?? 0)
        self.size = size
        let prefix =
            (try? handle.seek(toOffset: 0)).flatMap { _ in try? handle.read(upToCount: HDF5Probe.prefixLength) }
            ?? Data()
        switch HDF5Probe.superblock(prefix: [UInt8](prefix), fileSize: size) {
        case .success(let superblock): self.superblock = superblock
        case .failure(let problem): throw KerasH5Error.notHDF5(problem.reason)
        }
    }

    deinit { try? handle.close() }

    /// Size in bytes of one variable-length reference on disk: length, address, index.
    var referenceSize: Int { 4 + superblock.offsetsSize + 4 }

    func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw KerasH5Error.malformed(
                "a global heap reference points outside the file (offset \(offset), \(count) bytes)")
        }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw KerasH5Error.malformed("short read at offset \(offset)") }
        return [UInt8](data)
    }

    /// Decodes the raw references of `count` strings and returns their bytes; a zero
    /// address is an empty (null) string.
    func strings(fromReferences raw: [UInt8], count: Int, maxBytes: Int, what: String) throws -> [[UInt8]] {
        let o = superblock.offsetsSize
        var total = 0
        return try (0..<count).map { i in
            let at = i * referenceSize
            let length = Int(little(raw, at, 4))
            let address = little(raw, at + 4, o)
            let index = little(raw, at + 4 + o, 4)
            if address == 0 { return [] }
            total += length
            guard total <= maxBytes else {
                throw KerasH5Error.limitExceeded("\(what) exceeds \(maxBytes) bytes")
            }
            return try object(collection: address, index: index, length: length, maxBytes: maxBytes, what: what)
        }
    }

    private func object(
        collection address: UInt64, index: UInt64, length: Int, maxBytes: Int, what: String
    ) throws -> [UInt8] {
        let (absolute, overflow) = address.addingReportingOverflow(UInt64(superblock.baseAddress))
        guard !overflow, absolute < UInt64(size) else {
            throw KerasH5Error.malformed("\(what): string reference points beyond the end of the file")
        }
        let (body, objects) = try collection(at: Int(absolute), maxBytes: maxBytes, what: what)
        guard index <= UInt64(UInt16.max), let range = objects[UInt16(index)] else {
            throw KerasH5Error.malformed(
                "\(what): string reference names heap object \(index), which the collection does not hold")
        }
        guard range.count == length else {
            throw KerasH5Error.malformed(
                "\(what): string length \(length) disagrees with its heap object (\(range.count) bytes)")
        }
        return Array(body[range])
    }

    /// Parses a global heap collection: "GCOL", version 1, its size, then objects of
    /// (index u16, refcount u16, reserved u32, size) headers and 8-byte aligned data that must
    /// tile the collection exactly.
    private func collection(
        at address: Int, maxBytes: Int, what: String
    ) throws -> (body: [UInt8], objects: [UInt16: Range<Int>]) {
        if let known = collections[address] { return known }
        let l = superblock.lengthsSize
        let headerSize = align8(8 + l)
        let head = try bytes(at: address, count: headerSize)
        guard Array(head[0..<4]) == Array("GCOL".utf8), head[4] == 1 else {
            throw KerasH5Error.malformed("\(what): string reference does not point at a global heap collection")
        }
        let declared = little(head, 8, l)
        guard declared >= UInt64(headerSize), declared <= UInt64(size - address), declared <= UInt64(maxBytes) + 4096
        else {
            throw KerasH5Error.malformed(
                "\(what): global heap collection at \(address) declares an impossible size \(declared)")
        }
        let body = try bytes(at: address, count: Int(declared))
        let objectHeader = align8(8 + l)
        var objects: [UInt16: Range<Int>] = [:]
        var p = headerSize
        while p < body.count {
            guard p + objectHeader <= body.count else { break }  // a tail too small for a header is free
            let index = UInt16(little(body, p, 2))
            let objectSize = little(body, p + 8, l)
            guard objectSize <= UInt64(body.count) else {
                throw KerasH5Error.malformed("\(what): global heap object \(index) is larger than its collection")
            }
            let need = index > 0 ? objectHeader + align8(Int(objectSize)) : Int(objectSize)
            guard need >= objectHeader || (index == 0 && need > 0), p + need <= body.count else {
                throw KerasH5Error.malformed("\(what): global heap object \(index) overruns its collection")
            }
            if index > 0 {
                guard objects[index] == nil else {
                    throw KerasH5Error.malformed("\(what): global heap object \(index) appears twice")
                }
                objects[index] = (p + objectHeader)..<(p + objectHeader + Int(objectSize))
            }
            p += need
        }
        collections[address] = (body, objects)
        return (body, objects)
    }

    private func align8(_ n: Int) -> Int { (n + 7) & ~7 }

    private func little(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<width { v |= UInt64(bytes[at + k]) << (8 * k) }
        return v
    }
}
