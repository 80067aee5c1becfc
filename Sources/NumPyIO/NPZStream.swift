// NumPyIO: `.npz` archives read from disk without holding a member whole. Each member is
// inflated through zlib in 64 KiB steps; its `.npy` header is parsed first, the declared size
// must be exactly what the header's shape needs, and inflation stops at the first byte beyond
// it. Upload checks and batch readers use this path, so a hostile archive costs a few buffers.
import CZlib
import Foundation
import Tensors

/// A file read through one cached window: random access without loading the file.
final class FileWindow {
    static let windowBytes = 1 << 16
    let size: Int
    private let handle: FileHandle
    private var windowStart = 0
    private var window: [UInt8] = []

    init(_ url: URL) throws {
        handle = try FileHandle(forReadingFrom: url)
        size = Int(try handle.seekToEnd())
    }

    deinit { try? handle.close() }

    /// `length` bytes at `at`; the caller has checked the range against `size`.
    func read(_ at: Int, _ length: Int) throws -> ArraySlice<UInt8> {
        if at < windowStart || at + length > windowStart + window.count {
            try handle.seek(toOffset: UInt64(at))
            window = [UInt8](handle.readData(ofLength: max(length, FileWindow.windowBytes)))
            windowStart = at
            guard window.count >= length else {
                throw NPZError.malformed("the file ended while reading \(length) bytes at offset \(at)")
            }
        }
        let start = at - windowStart
        return window[start..<(start + length)]
    }
}

/// One `.npz` member as the streaming check saw it.
public struct NPZMember: Equatable, Sendable {
    public var name: String
    public var header: NPYHeader
}

extension NPZ {
    /// Checks every member of the `.npz` at `url` without holding one whole: names, declared
    /// sizes against `limits`, each `.npy` header against its declared size, the deflate stream
    /// and its CRC-32. Returns the members' headers in archive order.
    public static func inspect(contentsOf url: URL, limits: NPZLimits = .default) throws -> [NPZMember] {
        let reader = ByteReader(file: try FileWindow(url))
        var members: [NPZMember] = []
        var seen = Set<String>()
        for entry in try Zip.entries(of: reader, limits: limits) {
            let name = try memberName(entry, seen: &seen)
            var check = MemberHeader(name: name, declaredSize: entry.uncompressedSize)
            try Zip.stream(entry, from: reader) { try check.take($0) }
            guard let header = check.header else {
                throw NPZError.badMember(name: name, .malformed("the member ends inside its header"))
            }
            members.append(NPZMember(name: name, header: header))
        }
        return members
    }

    /// The array name of a `.npy` member (without the suffix), refused when repeated.
    static func memberName(_ entry: ZipEntry, seen: inout Set<String>) throws -> String {
        guard entry.name.hasSuffix(".npy") else {
            throw NPZError.unsupported("member '\(entry.name)' is not a .npy array")
        }
        let name = String(entry.name.dropLast(4))
        guard seen.insert(name).inserted else { throw NPZError.malformed("member '\(name)' appears twice") }
        return name
    }
}

/// Collects a member's first bytes until its `.npy` header is complete, then holds the header
/// against the size the archive declares for the member.
struct MemberHeader {
    let name: String
    let declaredSize: Int
    private(set) var header: NPYHeader?
    private var prefix: [UInt8] = []

    init(name: String, declaredSize: Int) {
        self.name = name
        self.declaredSize = declaredSize
    }

    mutating func take(_ bytes: UnsafeRawBufferPointer) throws {
        guard header == nil else { return }
        prefix += bytes
        guard let needed = headerEnd(), prefix.count >= needed else { return }
        do {
            let parsed = try NPY.parseHeader(prefix)
            let expected = parsed.dataOffset + parsed.dataByteCount
            guard expected == declaredSize else {
                throw NumPyError.malformed(
                    "shape \(parsed.shape) of \(parsed.dtype.rawValue) needs \(expected) bytes with its header; "
                        + "the archive declares \(declaredSize)")
            }
            header = parsed
            prefix = []
        } catch let error as NumPyError {
            throw NPZError.badMember(name: name, error)
        }
    }

    /// Where the header ends, once the preamble that says so has arrived.
    private func headerEnd() -> Int? {
        guard prefix.count >= 10 else { return nil }
        if prefix[6] == 1 { return 10 + (Int(prefix[8]) | Int(prefix[9]) << 8) }
        guard prefix.count >= 12 else { return nil }
        let length = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
        return 12 + min(length, NPY.maxHeaderLength + 1)
    }
}

extension Zip {
    static let streamChunk = 1 << 16

    /// Passes the uncompressed bytes of `entry` to `consume` in chunks of at most 64 KiB, stopping
    /// with an error at the first byte beyond the declared size; checks the CRC-32 at the end.
    static func stream(
        _ entry: ZipEntry, from r: ByteReader, consume: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let header = entry.localHeaderOffset
        guard try r.u32(header) == localSignature else {
            throw NPZError.malformed("entry '\(entry.name)': no local header at offset \(header)")
        }
        var offset = header + 30 + Int(try r.u16(header + 26)) + Int(try r.u16(header + 28))
        _ = try r.slice(offset, entry.compressedSize, what: "data of entry '\(entry.name)'")
        var remaining = entry.compressedSize
        var computed: UInt32 = 0
        var produced = 0
        func emit(_ chunk: UnsafeRawBufferPointer) throws {
            produced += chunk.count
            guard produced <= entry.uncompressedSize else {
                throw NPZError.malformed(
                    "entry '\(entry.name)' inflates to more than its declared \(entry.uncompressedSize) bytes")
            }
            computed = crc32Update(computed, chunk)
            try consume(chunk)
        }
        if entry.method == 0 {
            while remaining > 0 {
                let chunk = try r.slice(offset, min(remaining, streamChunk), what: "data of entry '\(entry.name)'")
                try chunk.withUnsafeBytes { try emit($0) }
                offset += chunk.count
                remaining -= chunk.count
            }
        } else {
            try inflateChunks(entry, r, offset: offset, emit)
        }
        guard produced == entry.uncompressedSize else {
            throw NPZError.malformed(
                "entry '\(entry.name)' inflates to \(produced) bytes, \(entry.uncompressedSize) declared")
        }
        guard computed == entry.crc32 else {
            throw NPZError.malformed(
                "entry '\(entry.name)' fails its CRC-32 check (stored 0x\(String(entry.crc32, radix: 16)), "
                    + "computed 0x\(String(computed, radix: 16)))")
        }
    }

    private static func inflateChunks(
        _ entry: ZipEntry, _ r: ByteReader, offset start: Int, _ emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw NPZError.malformed("zlib could not start inflating entry '\(entry.name)'")
        }
        defer { inflateEnd(&stream) }
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: streamChunk)
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: streamChunk)
        defer {
            input.deallocate()
            output.deallocate()
        }
        var offset = start
        var remaining = entry.compressedSize
        while true {
            if stream.avail_in == 0, remaining > 0 {
                let chunk = try r.slice(offset, min(remaining, streamChunk), what: "data of entry '\(entry.name)'")
                _ = UnsafeMutableBufferPointer(start: input, count: chunk.count).initialize(from: chunk)
                stream.next_in = input
                stream.avail_in = UInt32(chunk.count)
                offset += chunk.count
                remaining -= chunk.count
            }
            stream.next_out = output
            stream.avail_out = UInt32(streamChunk)
            let status = inflate(&stream, Z_NO_FLUSH)
            let got = streamChunk - Int(stream.avail_out)
            if got > 0 { try emit(UnsafeRawBufferPointer(start: output, count: got)) }
            if status == Z_STREAM_END { return }
            if status == Z_OK || (status == Z_BUF_ERROR && stream.avail_in == 0 && remaining > 0) { continue }
            throw NPZError.malformed(
                status == Z_BUF_ERROR
                    ? "entry '\(entry.name)': its deflate data ends before the stream does"
                    : "entry '\(entry.name)' is not valid deflate data (zlib status \(status))")
        }
    }
}
