// NumPyIO: a `.npy` written a batch of rows at a time, for outputs produced batch by batch. The
// total row count is declared up front, so the header goes first as soon as the first batch gives
// the dtype and row shape; every later batch must agree with it and the rows must add up to the
// declared count. The writer holds no rows: each batch goes to disk when it is appended, and a
// writer dropped before `finish` removes its file.
import Foundation
import Tensors

/// A batch that cannot join the array being written, or rows that do not add up.
public struct RowWriterError: Error, CustomStringConvertible, Equatable {
    /// A short stable identifier of the broken rule.
    public let rule: String?
    public let description: String
}

/// The rows of one array arriving a batch at a time, as the bytes of its `.npy` file.
struct RowStream {
    /// The array's name in messages ("" for a lone `.npy`).
    let name: String
    let rows: Int
    private(set) var rowsWritten = 0
    private var layout: (dtype: DType, rowShape: [Int])?

    init(name: String, rows: Int) {
        self.name = name
        self.rows = rows
    }

    /// Passes the bytes `batch` adds to the file to `emit`: the header first, before the first batch's
    /// rows. `checkSize` sees the file's whole size once the first batch fixes it.
    mutating func append(
        _ batch: NDArray, checkSize: (Int) throws -> Void = { _ in }, _ emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard let batchRows = batch.shape.first else {
            throw failure("batch-has-no-rows", "a 0-d batch (\(batch.dtype.rawValue)) has no rows to append")
        }
        let rowShape = Array(batch.shape.dropFirst())
        guard rowsWritten + batchRows <= rows else {
            throw failure(
                "more-rows-than-declared",
                "\(rowsWritten + batchRows) rows appended; the array was declared with \(rows)")
        }
        if let layout {
            guard layout.dtype == batch.dtype, layout.rowShape == rowShape else {
                throw failure(
                    "batches-disagree",
                    "batch outputs disagree: \(layout.dtype.rawValue) rows of \(layout.rowShape) vs "
                        + "\(batch.dtype.rawValue) rows of \(rowShape)")
            }
        } else {
            let header = NPY.header(dtype: batch.dtype, shape: [rows] + rowShape)
            var data = rows
            for factor in rowShape + [batch.dtype.byteSize] {
                let (product, overflow) = data.multipliedReportingOverflow(by: factor)
                guard !overflow else { throw failure("too-large", "\(rows) rows of \(rowShape) are too many to write") }
                data = product
            }
            try checkSize(header.count + data)
            try header.withUnsafeBytes(emit)
            layout = (batch.dtype, rowShape)
        }
        try batch.bytes.withUnsafeBytes(emit)
        rowsWritten += batchRows
    }

    /// Refuses an array whose rows do not add up to the declared count.
    func finish() throws {
        guard layout != nil, rowsWritten == rows else {
            throw failure(
                "fewer-rows-than-declared",
                layout == nil
                    ? "no batch was appended: the array's dtype and row shape are unknown"
                    : "\(rowsWritten) rows appended; the array was declared with \(rows)")
        }
    }

    private func failure(_ rule: String, _ text: String) -> RowWriterError {
        RowWriterError(rule: rule, description: name.isEmpty ? text : "output '\(name)': \(text)")
    }
}

/// A `.npy` file of `rows` rows, written a batch at a time.
public final class NPYRowWriter {
    private let url: URL
    private var file: FileHandle?
    private var stream: RowStream
    private var finished = false

    /// Creates (or empties) the file at `url` for an array of `rows` rows.
    public init(creating url: URL, rows: Int) throws {
        self.url = url
        stream = RowStream(name: "", rows: rows)
        file = try FileHandle(creating: url)
    }

    deinit {
        try? file?.close()
        if !finished { try? FileManager.default.removeItem(at: url) }
    }

    /// Appends `batch`'s rows (written to the file before this returns).
    public func append(_ batch: NDArray) throws {
        guard let file else { throw RowWriterError(rule: "finished", description: "the file was already finished") }
        try stream.append(batch) { try file.write($0) }
    }

    /// Checks that the declared rows were all appended and closes the file.
    public func finish() throws {
        try stream.finish()
        try file?.close()
        file = nil
        finished = true
    }
}

extension FileHandle {
    /// A new empty file at `url` (an existing one is truncated), open for writing.
    convenience init(creating url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        try self.init(forWritingTo: url)
    }

    /// Writes `bytes` without copying them.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        try write(
            contentsOf: Data(
                bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none))
    }
}
