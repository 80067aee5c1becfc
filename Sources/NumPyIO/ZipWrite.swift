// ZIP writing for .npz: the headers and directory every writer emits (one place for the layout,
// the fixed timestamp and the 4 GiB refusals: zip64 is read, never written), and raw deflate fed
// in pieces. The in-memory `archive` and the streaming `NPZRowWriter` both build on them.
import CZlib

/// The central directory of an archive being written, member by member.
struct ZipDirectory {
    private(set) var central: [UInt8] = []
    private(set) var count = 0

    init(entries: Int) throws {
        guard entries < 0xFFFF else { throw NPZError.unsupported("\(entries) entries; the writer stops at 65 534") }
    }

    /// The local header of a member whose data (`compressedSize` bytes) follows it at `offset`;
    /// records the member for the directory.
    mutating func localHeader(
        name: String, method: UInt16, crc: UInt32, compressedSize: Int, uncompressedSize: Int, offset: Int
    ) throws -> [UInt8] {
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= 0xFFFF else { throw NPZError.unsupported("entry name longer than 65 535 bytes") }
        try Zip.checkEntrySize(name: name, bytes: uncompressedSize)
        guard compressedSize < 0xFFFF_FFFF, offset < 0xFFFF_FFFF else {
            throw NPZError.unsupported(
                "the archive would exceed 4 GiB at entry '\(name)'; zip64 writing is not supported")
        }
        // Fields shared by the local and central headers, from "version needed" on.
        var common: [UInt8] = []
        common.le16(20); common.le16(0x0800)  // UTF-8 names
        common.le16(method); common.le16(0); common.le16(0x0021)  // 00:00, 1980-01-01
        common.le32(crc); common.le32(UInt32(compressedSize)); common.le32(UInt32(uncompressedSize))
        common.le16(UInt16(nameBytes.count)); common.le16(0)
        central.le32(Zip.centralSignature); central.le16(20); central += common
        central.le16(0); central.le16(0); central.le16(0); central.le32(0)
        central.le32(UInt32(offset)); central += nameBytes
        count += 1
        var local: [UInt8] = []
        local.le32(Zip.localSignature); local += common; local += nameBytes
        return local
    }

    /// The central directory and the end record, for a directory that starts at `offset`.
    func end(at offset: Int) throws -> [UInt8] {
        guard offset < 0xFFFF_FFFF else {
            throw NPZError.unsupported("archive exceeds 4 GiB; zip64 writing is not supported")
        }
        var out = central
        out.le32(Zip.endSignature); out.le16(0); out.le16(0)
        out.le16(UInt16(count)); out.le16(UInt16(count))
        out.le32(UInt32(central.count)); out.le32(UInt32(offset)); out.le16(0)
        return out
    }
}

extension Zip {
    /// Refuses a member of `bytes` uncompressed bytes that only zip64 could describe.
    static func checkEntrySize(name: String, bytes: Int) throws {
        guard bytes < 0xFFFF_FFFF else {
            throw NPZError.unsupported("entry '\(name)' is 4 GiB or larger; zip64 writing is not supported")
        }
    }

    /// Builds an archive of `files` (name, contents), deflated or stored, with a fixed
    /// timestamp so that equal inputs give equal bytes.
    static func archive(_ files: [(name: String, data: [UInt8])], compressed: Bool) throws -> [UInt8] {
        var directory = try ZipDirectory(entries: files.count)
        var out: [UInt8] = []
        for file in files {
            try checkEntrySize(name: file.name, bytes: file.data.count)
            let payload = compressed ? try deflateRaw(file.data) : file.data
            out += try directory.localHeader(
                name: file.name, method: compressed ? 8 : 0, crc: crc32Of(file.data), compressedSize: payload.count,
                uncompressedSize: file.data.count, offset: out.count)
            out += payload
        }
        out += try directory.end(at: out.count)
        return out
    }

    private static func deflateRaw(_ input: [UInt8]) throws -> [UInt8] {
        let deflater = try Deflater()
        var output: [UInt8] = []
        try input.withUnsafeBytes { try deflater.compress($0) { output += $0 } }
        try deflater.finish { output += $0 }
        return output
    }

    /// `crc` (a running CRC-32, `0` to start) extended over `bytes`.
    static func crc32Update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var value = UInt(crc)
        var base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var left = bytes.count
        while left > 0 {
            let piece = min(left, 1 << 30)
            value = CZlib.crc32(value, base, UInt32(piece))
            base = base.map { $0 + piece }
            left -= piece
        }
        return UInt32(truncatingIfNeeded: value)
    }
}

/// Raw deflate (no zlib wrapper, default level) fed in pieces of any size. zlib's output does
/// not depend on how the input is split when nothing is flushed before the end, so a streamed
/// member is the same bytes as one compressed whole.
final class Deflater {
    static let outputChunk = 1 << 16
    // zlib keeps a pointer back to its stream: the stream must not move, so it lives on the heap.
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let output = UnsafeMutablePointer<UInt8>.allocate(capacity: Deflater.outputChunk)

    init() throws {
        stream.initialize(to: z_stream())
        guard
            deflateInit2_(
                stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            stream.deallocate()
            output.deallocate()
            throw NPZError.unsupported("zlib could not start deflating")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    /// Compresses `input`, passing whatever compressed bytes are ready to `emit`.
    func compress(_ input: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var base = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var left = input.count
        while left > 0 {
            let piece = min(left, 1 << 30)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base)
            stream.pointee.avail_in = UInt32(piece)
            try run(Z_NO_FLUSH, emit)
            base = base.map { $0 + piece }
            left -= piece
        }
    }

    /// Ends the deflate stream, passing its last bytes to `emit`.
    func finish(_ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try run(Z_FINISH, emit)
    }

    /// Runs deflate until it has taken all its input (and, finishing, ended the stream).
    private func run(_ flush: Int32, _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            stream.pointee.next_out = output
            stream.pointee.avail_out = UInt32(Deflater.outputChunk)
            let status = deflate(stream, flush)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw NPZError.unsupported("zlib deflate failed (status \(status))")
            }
            let produced = Deflater.outputChunk - Int(stream.pointee.avail_out)
            if produced > 0 { try emit(UnsafeRawBufferPointer(start: output, count: produced)) }
            if status == Z_STREAM_END { return }
            if flush == Z_NO_FLUSH, stream.pointee.avail_in == 0, stream.pointee.avail_out > 0 { return }
        }
    }
}
