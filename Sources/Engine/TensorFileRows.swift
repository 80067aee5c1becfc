// Engine: outputs of a run over a dataset written to disk a batch at a time — the file
// `TensorFiles.write` would give for the joined batches, without ever holding them joined.
import Foundation
import NumPyIO
import Tensors

extension TensorFiles {
    /// Named arrays of `rows` rows each, appended a batch of rows at a time: a `.npz` path gets them
    /// all (deflated members, in `names` order), any other path the one array as `.npy`. A batch is
    /// on disk when `append` returns; a writer dropped before `finish` removes what it wrote.
    public final class RowWriter {
        /// Memory a writer of `outputs` arrays holds besides the batch being appended: nothing for
        /// one `.npy`, the deflate state of each member of a `.npz`.
        public static func heldBytes(outputs: Int) -> Int {
            outputs > 1 ? outputs * NPZRowWriter.heldBytesPerMember : 0
        }

        private let appendBatch: ([NDArray]) throws -> Void
        private let finishFile: () throws -> Void

        public init(creating url: URL, names: [String], rows: Int) throws {
            if url.pathExtension.lowercased() == "npz" {
                let archive = try NPZRowWriter(creating: url, names: names, rows: rows)
                appendBatch = archive.append
                finishFile = archive.finish
                return
            }
            guard names.count == 1 else {
                throw DatasetError("the model has \(names.count) outputs: write them to a .npz file")
            }
            let file = try NPYRowWriter(creating: url, rows: rows)
            appendBatch = { batch in
                guard batch.count == 1 else {
                    throw DatasetError("a batch of \(batch.count) arrays for a .npy file, which holds one")
                }
                try file.append(batch[0])
            }
            finishFile = file.finish
        }

        /// Appends one batch: `batch[i]` holds the next rows of array `names[i]`.
        public func append(_ batch: [NDArray]) throws { try appendBatch(batch) }

        /// Checks that every array got its `rows` rows and completes the file.
        public func finish() throws { try finishFile() }
    }
}
