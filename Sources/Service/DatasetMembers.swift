// Service: the array list of a stored dataset (each .npz member's name, dtype and shape) that the
// upload response shows and GET /v1/datasets/{id} repeats. The store keeps only the first array,
// so the list is remembered per blob at upload and read again from the file (header checks and a
// streaming pass, nothing held whole) the first time an older dataset is asked for.
import Engine
import Foundation
import Persistence

final class DatasetMembers {
    typealias Member = (name: String, dtype: String, shape: [Int])
    private var bySHA256: [String: [Member]] = [:]
    private let lock = NSLock()

    func remember(_ sha256: String, _ members: [Member]) {
        lock.lock(); defer { lock.unlock() }
        bySHA256[sha256] = members
    }

    func members(of dataset: DatasetRecord, in blobs: BlobStorage) throws -> [Member] {
        lock.lock()
        let known = bySHA256[dataset.sha256]
        lock.unlock()
        if let known { return known }
        guard let url = blobs.url(for: dataset.sha256) else { throw BlobError.notFound(sha256: dataset.sha256) }
        let handle = try FileHandle(forReadingFrom: url)
        let head = [UInt8](handle.readData(ofLength: BlobWriter.headCapacity))
        try? handle.close()
        let summary = try TensorFiles.inspect(
            head: head, file: url, size: dataset.size, maxInflatedBytes: Int.max, maxInflationRatio: Int.max)
        remember(dataset.sha256, summary.arrays)
        return summary.arrays
    }

    static func json(_ members: [Member]) -> [[String: Any]] {
        members.map { ["name": $0.name, "dtype": $0.dtype, "shape": $0.shape] as [String: Any] }
    }
}
