// NumPyIO: the first array of a `.npy` or `.npz` file read in batches of rows — the `.npy` in
// 64 KiB reads, an `.npz` member through the streaming inflater — so a job holds one batch of its
// dataset at a time, never the whole array.
import Foundation
import Tensors

extension NPY {
    /// Calls `body` with consecutive batches of at most `rows` rows of the first array of the
    /// `.npy` or `.npz` at `url` (a 0-d array is one batch), and the array's total row count.
    public static func forEachBatch(
        contentsOf url: URL, rows: Int, _ body: (_ batch: NDArray, _ totalRows: Int) throws -> Void
    ) throws {
        var batcher = RowBatcher(rowsPerBatch: max(1, rows))
        let window = try FileWindow(url)
        let isArchive = try window.size >= 4 && Array(window.read(0, 4)) == [0x50, 0x4B, 0x03, 0x04]
        if isArchive {
            let reader = ByteReader(file: window)
            var seen = Set<String>()
            guard let entry = try Zip.entries(of: reader, limits: .default).first else {
                throw NPZError.malformed("the archive holds no arrays")
            }
            let name = try NPZ.memberName(entry, seen: &seen)
            do {
                try Zip.stream(entry, from: reader) { try batcher.take($0, body) }
            } catch let error as NumPyError {
                throw NPZError.badMember(name: name, error)
            }
        } else {
            var offset = 0
            while offset < window.size {
                let chunk = try window.read(offset, min(FileWindow.windowBytes, window.size - offset))
                try chunk.withUnsafeBytes { try batcher.take($0, body) }
                offset += chunk.count
            }
        }
        try batcher.finish(body)
    }
}

/// Turns a `.npy` byte stream into batches of rows: the header first, then `rowsPerBatch` rows at a
/// time; bytes beyond what the header's shape needs are an error.
struct RowBatcher {
    typealias Body = (NDArray, Int) throws -> Void
    let rowsPerBatch: Int
    private var header: NPYHeader?
    private var pending: [UInt8] = []
    private var rowsDone = 0

    init(rowsPerBatch: Int) { self.rowsPerBatch = rowsPerBatch }

    private var totalRows: Int { header.map { $0.shape.first ?? 1 } ?? 0 }
    private var rowBytes: Int {
        guard let header else { return 0 }
        return header.shape.isEmpty
            ? header.dtype.byteSize : header.shape.dropFirst().reduce(1, *) * header.dtype.byteSize
    }

    mutating func take(_ bytes: UnsafeRawBufferPointer, _ body: Body) throws {
        pending += bytes
        if header == nil {
            guard pending.count >= 10 else { return }
            let parsed: NPYHeader
            do { parsed = try NPY.parseHeader(pending) } catch NumPyError.malformed(let why)
                where why.contains("truncated")
            {
                return
            }
            header = parsed
            pending.removeFirst(parsed.dataOffset)
        }
        let batchBytes = max(1, rowBytes) * rowsPerBatch
        while pending.count >= batchBytes, rowsDone + rowsPerBatch <= totalRows, rowBytes > 0 {
            try emit(rows: rowsPerBatch, body)
        }
        guard pending.count <= (totalRows - rowsDone) * rowBytes else {
            throw NumPyError.malformed("more data than shape \(header!.shape) needs")
        }
    }

    mutating func finish(_ body: Body) throws {
        guard let header else { throw NumPyError.malformed("the file ends inside its header") }
        let left = totalRows - rowsDone
        guard pending.count == left * rowBytes else {
            throw NumPyError.malformed(
                "data is truncated: shape \(header.shape) of \(header.dtype.rawValue) needs \(header.dataByteCount) "
                    + "bytes")
        }
        if left > 0 { try emit(rows: left, body) }
    }

    private mutating func emit(rows: Int, _ body: Body) throws {
        guard let header else { return }
        var shape = header.shape
        if !shape.isEmpty { shape[0] = rows }
        let count = header.shape.isEmpty ? rowBytes : rows * rowBytes
        let batch = try NDArray(dtype: header.dtype, shape: shape, bytes: Array(pending.prefix(count)))
        pending.removeFirst(count)
        rowsDone += rows
        try body(batch, totalRows)
    }
}
