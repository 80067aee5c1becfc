// NumPyIO: a `.npz` of several arrays written a batch of rows at a time (each batch brings rows of
// every array). A zip holds each member in one piece, so each member's `.npy` stream is deflated
// into a part file beside the archive while the batches arrive; `finish` then writes the archive:
// each member's header and its part copied in 1 MiB pieces, then the directory. The result is the
// bytes `NPZ.write` gives for the joined arrays. Part files are removed when the writer finishes
// or is dropped; a writer dropped before `finish` removes the archive too.
import Foundation
import Tensors

/// A deflated (or stored) `.npz` of named arrays of `rows` rows each, written a batch at a time.
/// The archive file appears at `finish`; until then only the part files exist.
public final class NPZRowWriter {
    /// Memory one member holds while rows arrive, whatever their number: zlib's deflate state at
    /// window bits 15 and memory level 8 ((1 << 17) + (1 << 17) bytes, zlib.h) and one output chunk.
    public static let heldBytesPerMember = (1 << 17) + (1 << 17) + Deflater.outputChunk
    private let url: URL
    private var members: [Member]
    private var finished = false

    /// One array: its rows as `.npy` bytes, deflated into a part file as they arrive.
    private final class Member {
        var stream: RowStream
        let part: URL
        var file: FileHandle?
        let deflater: Deflater?
        var crc: UInt32 = 0
        var size = 0
        var partSize = 0

        init(name: String, rows: Int, part: URL, compressed: Bool) throws {
            stream = RowStream(name: name, rows: rows)
            self.part = part
            deflater = compressed ? try Deflater() : nil
            file = try FileHandle(creating: part)
        }

        func append(_ batch: NDArray) throws {
            let entry = stream.name + ".npy"
            try stream.append(batch, checkSize: { try Zip.checkEntrySize(name: entry, bytes: $0) }, take)
        }

        /// Ends the member's data; its part file is then complete.
        func finish() throws {
            try stream.finish()
            try deflater?.finish(store)
            try file?.close()
            file = nil
        }

        private func take(_ bytes: UnsafeRawBufferPointer) throws {
            crc = Zip.crc32Update(crc, bytes)
            size += bytes.count
            if let deflater { try deflater.compress(bytes, store) } else { try store(bytes) }
        }

        private func store(_ bytes: UnsafeRawBufferPointer) throws {
            guard let file else { return }
            try file.write(bytes)
            partSize += bytes.count
        }
    }

    /// Starts the archive at `url` for arrays `names` (members `<name>.npy`, in this order) of
    /// `rows` rows each, deflated like `np.savez_compressed` or stored like `np.savez`.
    public init(creating url: URL, names: [String], rows: Int, compressed: Bool = true) throws {
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw NPZError.malformed("member '\(name)' appears twice")
        }
        _ = try ZipDirectory(entries: names.count)
        self.url = url
        members = []
        for (index, name) in names.enumerated() {
            let part = URL(fileURLWithPath: url.path + ".part\(index)")
            members.append(try Member(name: name, rows: rows, part: part, compressed: compressed))
        }
    }

    deinit {
        removeParts()
        if !finished { try? FileManager.default.removeItem(at: url) }
    }

    /// Appends one batch: `batch[i]` holds the next rows of array `names[i]`.
    public func append(_ batch: [NDArray]) throws {
        guard !finished else { throw RowWriterError(rule: "finished", description: "the archive was already finished") }
        guard batch.count == members.count else {
            throw RowWriterError(
                rule: "member-count",
                description: "a batch of \(batch.count) arrays for an archive of \(members.count)")
        }
        for (member, array) in zip(members, batch) { try member.append(array) }
    }

    /// Checks that every array got its declared rows and writes the archive.
    public func finish() throws {
        for member in members { try member.finish() }
        let archive = try FileHandle(creating: url)
        defer { try? archive.close() }
        var directory = try ZipDirectory(entries: members.count)
        var offset = 0
        for member in members {
            let header = try directory.localHeader(
                name: member.stream.name + ".npy", method: member.deflater == nil ? 0 : 8, crc: member.crc,
                compressedSize: member.partSize, uncompressedSize: member.size, offset: offset)
            try header.withUnsafeBytes { try archive.write($0) }
            try copy(member.part, into: archive)
            offset += header.count + member.partSize
        }
        try directory.end(at: offset).withUnsafeBytes { try archive.write($0) }
        try archive.close()
        removeParts()
        finished = true
    }

    private func copy(_ part: URL, into archive: FileHandle) throws {
        let source = try FileHandle(forReadingFrom: part)
        defer { try? source.close() }
        while let piece = try source.read(upToCount: 1 << 20), !piece.isEmpty {
            try archive.write(contentsOf: piece)
        }
    }

    private func removeParts() {
        for member in members {
            try? member.file?.close()
            member.file = nil
            try? FileManager.default.removeItem(at: member.part)
        }
    }
}
