// ZIP container for .npz: parsing the central directory (zip64 records tolerated) and reading
// stored and deflated entries through zlib with CRC-32 checks and size limits (writing is in
// ZipWrite.swift). Internal: NPZ is the public face.
import CZlib

/// One entry as described by the central directory.
struct ZipEntry {
    var name: String
    var method: UInt16
    var flags: UInt16
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
}

enum Zip {
    static let localSignature: UInt32 = 0x0403_4b50
    static let centralSignature: UInt32 = 0x0201_4b50
    static let endSignature: UInt32 = 0x0605_4b50
    static let zip64EndSignature: UInt32 = 0x0606_4b50
    static let zip64LocatorSignature: UInt32 = 0x0706_4b50

    // MARK: Reading

    /// Lists the entries of `data` in central-directory order after checking every
    /// declared size against `limits` (nothing is decompressed yet).
    static func entries(of data: [UInt8], limits: NPZLimits) throws -> [ZipEntry] {
        try entries(of: ByteReader(data), limits: limits)
    }

    static func entries(of r: ByteReader, limits: NPZLimits) throws -> [ZipEntry] {
        let end = try findEndOfCentralDirectory(r)
        var count = Int(try r.u16(end + 10))
        var directorySize = Int(try r.u32(end + 12))
        var directoryOffset = Int(try r.u32(end + 16))
        // A zip64 locator sits right before the classic record when any field overflowed.
        if end >= 20, try r.u32(end - 20) == zip64LocatorSignature {
            let record = try r.offset(r.u64(end - 12), "zip64 end record offset")
            guard try r.u32(record) == zip64EndSignature else {
                throw NPZError.malformed("zip64 locator points at offset \(record), which holds no zip64 end record")
            }
            count = try r.offset(r.u64(record + 32), "zip64 entry count")
            directorySize = try r.offset(r.u64(record + 40), "zip64 central directory size")
            directoryOffset = try r.offset(r.u64(record + 48), "zip64 central directory offset")
        }
        guard count <= limits.maxEntries else {
            throw NPZError.limitExceeded("archive declares \(count) entries; the limit is \(limits.maxEntries)")
        }
        guard directoryOffset <= r.count, directorySize <= r.count - directoryOffset else {
            throw NPZError.malformed(
                "central directory (offset \(directoryOffset), \(directorySize) bytes) lies outside the "
                    + "\(r.count)-byte file"
            )
        }
        var entries: [ZipEntry] = []
        entries.reserveCapacity(count)
        var position = directoryOffset
        var total = 0
        for index in 0..<count {
            guard try r.u32(position) == centralSignature else {
                throw NPZError.malformed("central directory entry \(index) at offset \(position) has a bad signature")
            }
            let flags = try r.u16(position + 8)
            let method = try r.u16(position + 10)
            let crc = try r.u32(position + 16)
            var compressed = Int(try r.u32(position + 20))
            var uncompressed = Int(try r.u32(position + 24))
            let nameLength = Int(try r.u16(position + 28))
            let extraLength = Int(try r.u16(position + 30))
            let commentLength = Int(try r.u16(position + 32))
            var localOffset = Int(try r.u32(position + 42))
            let nameBytes = try r.bytes(position + 46, nameLength)
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw NPZError.malformed("entry \(index) has a name that is not UTF-8")
            }
            // Zip64 extended information: present fields replace the 0xFFFFFFFF ones, in order.
            var extra = position + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let tag = try r.u16(extra)
                let size = Int(try r.u16(extra + 2))
                if tag == 0x0001 {
                    var field = extra + 4
                    let fieldEnd = field + size
                    func next() throws -> Int {
                        guard field + 8 <= fieldEnd else {
                            throw NPZError.malformed("entry '\(name)' has a short zip64 extra field")
                        }
                        defer { field += 8 }
                        return try r.offset(r.u64(field), "zip64 size of '\(name)'")
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                }
                extra += 4 + size
            }
            position = extraEnd + commentLength
            guard flags & 1 == 0 else { throw NPZError.unsupported("entry '\(name)' is encrypted") }
            guard method == 0 || method == 8 else {
                throw NPZError.unsupported(
                    "entry '\(name)' uses compression method \(method); only stored (0) and deflate (8) are read")
            }
            if method == 0, compressed != uncompressed {
                throw NPZError.malformed(
                    "stored entry '\(name)' declares \(compressed) bytes compressed but \(uncompressed) uncompressed")
            }
            guard uncompressed <= limits.maxEntryBytes else {
                throw NPZError.limitExceeded(
                    "entry '\(name)' declares \(uncompressed) bytes; the per-entry limit is \(limits.maxEntryBytes)")
            }
            total += uncompressed
            guard total <= limits.maxTotalBytes else {
                throw NPZError.limitExceeded("entries declare more than \(limits.maxTotalBytes) bytes in total")
            }
            if uncompressed > 4096, uncompressed / max(compressed, 1) > limits.maxRatio {
                throw NPZError.limitExceeded(
                    "entry '\(name)' expands \(compressed) bytes to \(uncompressed) (ratio above \(limits.maxRatio))")
            }
            entries.append(
                ZipEntry(
                    name: name, method: method, flags: flags, crc32: crc,
                    compressedSize: compressed, uncompressedSize: uncompressed,
                    localHeaderOffset: localOffset))
        }
        return entries
    }

    /// The uncompressed bytes of `entry`, CRC-checked.
    static func contents(of entry: ZipEntry, in data: [UInt8]) throws -> [UInt8] {
        let r = ByteReader(data)
        let header = entry.localHeaderOffset
        guard try r.u32(header) == localSignature else {
            throw NPZError.malformed("entry '\(entry.name)': no local header at offset \(header)")
        }
        let start = header + 30 + Int(try r.u16(header + 26)) + Int(try r.u16(header + 28))
        let raw = try r.slice(start, entry.compressedSize, what: "data of entry '\(entry.name)'")
        let output: [UInt8]
        if entry.method == 0 {
            output = Array(raw)
        } else {
            output = try inflateRaw(raw, expectedSize: entry.uncompressedSize, name: entry.name)
        }
        let crc = crc32Of(output)
        guard crc == entry.crc32 else {
            throw NPZError.malformed(
                "entry '\(entry.name)' fails its CRC-32 check (stored \(hex(entry.crc32)), computed \(hex(crc)))")
        }
        return output
    }

    /// The end-of-central-directory record: the last signature within the final 64 KiB + 22 bytes.
    private static func findEndOfCentralDirectory(_ reader: ByteReader) throws -> Int {
        guard reader.count >= 22 else {
            throw NPZError.malformed("file is \(reader.count) bytes, shorter than an empty zip archive")
        }
        let lowest = max(0, reader.count - 22 - 65_535)
        let tail = try reader.slice(lowest, reader.count - lowest, what: "archive end")
        let data = Array(tail)
        var i = data.count - 22
        while i >= 0 {
            if data[i] == 0x50, data[i + 1] == 0x4b, data[i + 2] == 0x05, data[i + 3] == 0x06 {
                // The comment length must reach exactly to the end of the file.
                if i + 22 + (Int(data[i + 20]) | Int(data[i + 21]) << 8) == data.count { return lowest + i }
            }
            i -= 1
        }
        throw NPZError.malformed("no zip end-of-central-directory record; not a .npz (zip) archive")
    }

    /// Inflates raw deflate data that must come to exactly `expectedSize` bytes. The buffer
    /// holds one spare byte so that a stream longer than declared is caught, never followed.
    private static func inflateRaw(_ input: ArraySlice<UInt8>, expectedSize: Int, name: String) throws -> [UInt8] {
        guard expectedSize < Int(UInt32.max), input.count < Int(UInt32.max) else {
            throw NPZError.limitExceeded("entry '\(name)' is 4 GiB or larger")
        }
        var output = [UInt8](repeating: 0, count: expectedSize + 1)
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw NPZError.malformed("zlib could not start inflating entry '\(name)'")
        }
        defer { inflateEnd(&stream) }
        var status: Int32 = Z_OK
        input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                repeat { status = inflate(&stream, Z_NO_FLUSH) } while status == Z_OK
            }
        }
        let produced = Int(stream.total_out)
        guard produced <= expectedSize else {
            throw NPZError.malformed("entry '\(name)' inflates to more than its declared \(expectedSize) bytes")
        }
        guard status == Z_STREAM_END else {
            throw NPZError.malformed(
                "entry '\(name)' is not valid deflate data (zlib status \(status) after \(produced) of "
                    + "\(expectedSize) bytes)"
            )
        }
        guard produced == expectedSize else {
            throw NPZError.malformed("entry '\(name)' inflates to \(produced) bytes, \(expectedSize) declared")
        }
        output.removeLast()
        return output
    }

    static func crc32Of(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { crc32Update(0, $0) }
    }

    static func crc32Of(_ bytes: [UInt8]) -> UInt32 { crc32Of(bytes[...]) }

    private static func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
}

/// Bounds-checked little-endian reads over an archive held in memory or read from a file on
/// demand; every out-of-range access is a `malformed` error.
struct ByteReader {
    let count: Int
    private let read: (Int, Int) throws -> ArraySlice<UInt8>

    init(_ data: [UInt8]) {
        count = data.count
        read = { at, length in data[at..<(at + length)] }
    }

    /// Reads `file` through a small window, so an archive is never held whole.
    init(file: FileWindow) {
        count = file.size
        read = { at, length in try file.read(at, length) }
    }

    func bytes(_ at: Int, _ count: Int) throws -> [UInt8] { Array(try slice(at, count, what: "field")) }

    func slice(_ at: Int, _ length: Int, what: String) throws -> ArraySlice<UInt8> {
        guard at >= 0, length >= 0, at <= count, length <= count - at else {
            throw NPZError.malformed(
                "\(what) (offset \(at), \(length) bytes) runs past the end of the \(count)-byte archive")
        }
        return try read(at, length)
    }

    func u16(_ at: Int) throws -> UInt16 {
        let s = try slice(at, 2, what: "field")
        return UInt16(s[s.startIndex]) | UInt16(s[s.startIndex + 1]) << 8
    }

    func u32(_ at: Int) throws -> UInt32 {
        let s = try slice(at, 4, what: "field")
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(s[s.startIndex + k]) << (8 * k) }
        return v
    }

    func u64(_ at: Int) throws -> UInt64 {
        UInt64(try u32(at)) | UInt64(try u32(at + 4)) << 32
    }

    /// A 64-bit size or offset as Int, rejected when it cannot possibly fit in the archive.
    func offset(_ value: UInt64, _ what: String) throws -> Int {
        guard value <= UInt64(Int.max >> 1) else { throw NPZError.malformed("\(what) \(value) is out of range") }
        return Int(value)
    }
}

extension Array where Element == UInt8 {
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xff)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { for k in 0..<4 { append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
}
