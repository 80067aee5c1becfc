// BlobStorage: what the service needs from blob storage, so another backend (an object store)
// can replace the directory-based BlobStore. Blobs are immutable and addressed by the SHA-256 of
// their content; a writer streams an upload to a local temp file and `commit` makes it durable
// and visible under its digest in one step (docs/storage.md, "Shared blobs").
import Foundation

public protocol BlobStorage: AnyObject, Sendable {
    /// Local directory for in-progress uploads and jobs' scratch files (per replica when shared).
    var temporaryDirectory: URL { get }
    func makeWriter(limit: Int64?) throws -> BlobWriter
    /// A local file holding the blob, nil when there is none with that digest.
    func url(for sha256: String) -> URL?
    func contains(_ sha256: String) -> Bool
    func size(of sha256: String) throws -> Int64
    func openForReading(_ sha256: String) throws -> FileHandle
    func read(_ sha256: String) throws -> Data
    func put(_ data: Data, limit: Int64?) throws -> BlobRef
    func put(contentsOf file: URL, limit: Int64?) throws -> BlobRef
    /// Callers check `Store.isBlobReferenced` first.
    func remove(_ sha256: String) throws -> Bool
}

extension BlobStorage {
    public func makeWriter() throws -> BlobWriter { try makeWriter(limit: nil) }
    public func put(_ data: Data) throws -> BlobRef { try put(data, limit: nil) }
    public func put(contentsOf file: URL) throws -> BlobRef { try put(contentsOf: file, limit: nil) }
}

extension BlobStore: BlobStorage {}
