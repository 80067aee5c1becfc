// BlobStore: content-addressed files under <dataDir>/blobs/<first 2 hex>/<remaining 62 hex>.
// Uploads stream through a BlobWriter into <dataDir>/tmp while being hashed, so no body is ever
// held whole in memory; commit() makes the bytes durable (fsync) and then visible in one atomic
// rename, so a blob path either does not exist or holds exactly the bytes its name promises.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Free functions, so the BlobStore.read / BlobWriter.write methods do not shadow the system calls.
private func posixRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buf, count) }
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buf, count) }

public struct BlobRef: Equatable, Hashable, Sendable, Codable {
    /// Lower-case hex SHA-256 of the content.
    public var sha256: String
    public var size: Int64
    public init(sha256: String, size: Int64) { self.sha256 = sha256; self.size = size }
}

public enum BlobError: Error, CustomStringConvertible, Equatable {
    /// The stream exceeded the writer's limit. The temp file is already removed.
    case tooLarge(limit: Int64)
    /// Not a 64-character lower-case hex SHA-256.
    case invalidDigest(String)
    case notFound(sha256: String)
    /// The writer was already committed or aborted.
    case writerClosed
    /// A file-system call failed.
    case io(operation: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .tooLarge(let limit):
            return
                "blob store: the upload exceeds the size limit of \(limit) bytes; send a smaller file or raise "
                + "the limit in the configuration"
        case .invalidDigest(let d):
            return "blob store: '\(d.prefix(80))' is not a SHA-256 digest (64 lower-case hex characters)"
        case .notFound(let sha):
            return "blob store: no blob with sha256 \(sha)"
        case .writerClosed:
            return "blob store: the writer was already committed or aborted"
        case .io(let op, let path, let code):
            return "blob store: \(op) failed for \(path): \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}

public final class BlobStore: @unchecked Sendable {
    public let dataDirectory: URL
    public let blobsDirectory: URL
    public let temporaryDirectory: URL

    /// Creates `blobs/` and `tmp/` under `dataDirectory` and deletes temp files left by a previous
    /// process (uploads interrupted by a crash). The data directory belongs to one server process.
    public convenience init(dataDirectory: URL) throws {
        try self.init(dataDirectory: dataDirectory, temporary: "tmp")
    }

    /// A blob directory shared by several replicas (PostgreSQL mode): each keeps its temp files in
    /// `tmp/replica-<replica>`, so start-up never deletes another replica's uploads in progress. The
    /// temp areas of replicas gone for `staleAfter` seconds are removed.
    public convenience init(dataDirectory: URL, replica: String, staleAfter: TimeInterval = 86_400) throws {
        let safe = String(replica.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        try self.init(dataDirectory: dataDirectory, temporary: "tmp/replica-\(safe)")
        Self.removeStaleReplicaAreas(in: dataDirectory.appendingPathComponent("tmp"), olderThan: staleAfter)
    }

    private init(dataDirectory: URL, temporary: String) throws {
        self.dataDirectory = dataDirectory
        blobsDirectory = dataDirectory.appendingPathComponent("blobs")
        temporaryDirectory = dataDirectory.appendingPathComponent(temporary)
        try? FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let parents = [blobsDirectory, temporaryDirectory.deletingLastPathComponent(), temporaryDirectory]
        for dir in parents where mkdir(dir.path, 0o755) != 0 && errno != EEXIST {
            throw BlobError.io(operation: "create directory", path: dir.path, errno: errno)
        }
        removedStaleTemporaryFiles = Self.removeAll(in: temporaryDirectory)
    }

    private static func removeStaleReplicaAreas(in tmp: URL, olderThan age: TimeInterval) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
        for name in names where name.hasPrefix("replica-") {
            let dir = tmp.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: dir.path)[.modificationDate]) as? Date
            if let modified, Date().timeIntervalSince(modified) > age { try? FileManager.default.removeItem(at: dir) }
        }
    }

    /// How many stale temp files start-up removed.
    public let removedStaleTemporaryFiles: Int

    private static func removeAll(in dir: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        var removed = 0
        for name in names where unlink(dir.appendingPathComponent(name).path) == 0 { removed += 1 }
        return removed
    }

    /// Starts a streamed upload. `limit` (bytes) makes `write` throw `BlobError.tooLarge` past it.
    public func makeWriter(limit: Int64? = nil) throws -> BlobWriter {
        try BlobWriter(store: self, limit: limit)
    }

    /// Where a blob with this digest lives (whether or not it exists).
    public func location(of sha256: String) throws -> URL {
        guard SHA256.isHexDigest(sha256) else { throw BlobError.invalidDigest(sha256) }
        let utf8 = Array(sha256.utf8)
        return
            blobsDirectory
            .appendingPathComponent(String(decoding: utf8[0..<2], as: UTF8.self))
            .appendingPathComponent(String(decoding: utf8[2...], as: UTF8.self))
    }

    /// URL of an existing blob, nil when absent or when the digest is malformed.
    public func url(for sha256: String) -> URL? {
        guard let url = try? location(of: sha256), access(url.path, F_OK) == 0 else { return nil }
        return url
    }

    public func contains(_ sha256: String) -> Bool { url(for: sha256) != nil }

    public func size(of sha256: String) throws -> Int64 {
        let url = try existing(sha256)
        var st = stat()
        guard stat(url.path, &st) == 0 else { throw BlobError.io(operation: "stat", path: url.path, errno: errno) }
        return Int64(st.st_size)
    }

    /// Opens a blob for streaming reads; the caller closes the handle.
    public func openForReading(_ sha256: String) throws -> FileHandle {
        let url = try existing(sha256)
        do { return try FileHandle(forReadingFrom: url) } catch {
            throw BlobError.io(operation: "open for reading", path: url.path, errno: ENOENT)
        }
    }

    /// Reads a whole blob (for small blobs such as configs and summaries).
    public func read(_ sha256: String) throws -> Data {
        let url = try existing(sha256)
        do { return try Data(contentsOf: url) } catch {
            throw BlobError.io(operation: "read", path: url.path, errno: EIO)
        }
    }

    /// Stores in-memory bytes (results produced by jobs).
    public func put(_ data: Data, limit: Int64? = nil) throws -> BlobRef {
        let writer = try makeWriter(limit: limit)
        try writer.write(data)
        return try writer.commit()
    }

    /// Streams a file into the store (CLI imports), 1 MiB at a time.
    public func put(contentsOf file: URL, limit: Int64? = nil) throws -> BlobRef {
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BlobError.io(operation: "open", path: file.path, errno: errno) }
        defer { close(fd) }
        let writer = try makeWriter(limit: limit)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = posixRead(fd, buffer.baseAddress, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                let code = errno
                writer.abort()
                throw BlobError.io(operation: "read", path: file.path, errno: code)
            }
            if n == 0 { break }
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return try writer.commit()
    }

    /// Deletes a blob; returns false when it did not exist. Callers check `Store.isBlobReferenced` first.
    @discardableResult
    public func remove(_ sha256: String) throws -> Bool {
        let url = try location(of: sha256)
        if unlink(url.path) == 0 { return true }
        if errno == ENOENT { return false }
        throw BlobError.io(operation: "unlink", path: url.path, errno: errno)
    }

    private func existing(_ sha256: String) throws -> URL {
        let url = try location(of: sha256)
        guard access(url.path, F_OK) == 0 else { throw BlobError.notFound(sha256: sha256) }
        return url
    }
}

/// One streamed upload. Not thread-safe: one request thread feeds it. Dropping an uncommitted
/// writer removes its temp file.
public final class BlobWriter {
    /// The first bytes written (up to `headCapacity`), for magic-byte detection and header checks
    /// before commit without re-reading the file.
    public private(set) var head: [UInt8] = []
    public static let headCapacity = 4096
    public private(set) var bytesWritten: Int64 = 0
    public let limit: Int64?
    /// The temp file receiving the bytes; valid until commit or abort.
    public let temporaryURL: URL

    private let store: BlobStore
    private var fd: Int32
    private var hasher = SHA256()

    init(store: BlobStore, limit: Int64?) throws {
        self.store = store
        self.limit = limit
        temporaryURL = store.temporaryDirectory.appendingPathComponent("upload-\(RecordID.make(prefix: "")).part")
        fd = open(temporaryURL.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BlobError.io(operation: "create temp file", path: temporaryURL.path, errno: errno) }
    }

    deinit { abort() }

    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw BlobError.writerClosed }
        guard buffer.count > 0, let base = buffer.baseAddress else { return }
        if let limit, bytesWritten + Int64(buffer.count) > limit {
            abort()
            throw BlobError.tooLarge(limit: limit)
        }
        if head.count < Self.headCapacity {
            head.append(contentsOf: buffer.prefix(Self.headCapacity - head.count))
        }
        hasher.update(buffer)
        var offset = 0
        while offset < buffer.count {
            let n = posixWrite(fd, base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                abort()
                throw BlobError.io(operation: "write", path: temporaryURL.path, errno: code)
            }
            offset += n
        }
        bytesWritten += Int64(buffer.count)
    }

    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Makes the content durable and visible under its digest. When the blob already exists the temp
    /// file is dropped (deduplication). After commit the writer is closed.
    public func commit() throws -> BlobRef {
        guard fd >= 0 else { throw BlobError.writerClosed }
        if fsync(fd) != 0 {
            let code = errno
            abort()
            throw BlobError.io(operation: "fsync", path: temporaryURL.path, errno: code)
        }
        close(fd)
        fd = -1
        let ref = BlobRef(sha256: hasher.finalize(), size: bytesWritten)
        let target = try store.location(of: ref.sha256)
        if access(target.path, F_OK) == 0 {
            unlink(temporaryURL.path)
            return ref
        }
        let dir = target.deletingLastPathComponent()
        if mkdir(dir.path, 0o755) != 0 && errno != EEXIST {
            let code = errno
            unlink(temporaryURL.path)
            throw BlobError.io(operation: "create directory", path: dir.path, errno: code)
        }
        if rename(temporaryURL.path, target.path) != 0 {
            let code = errno
            unlink(temporaryURL.path)
            throw BlobError.io(operation: "rename into place", path: target.path, errno: code)
        }
        syncDirectory(dir)
        return ref
    }

    /// Discards the upload and removes the temp file. Safe to call more than once.
    public func abort() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temporaryURL.path)
    }

    /// Persists the rename itself (the directory entry), not only the file's bytes.
    private func syncDirectory(_ dir: URL) {
        let dfd = open(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { return }
        fsync(dfd)
        close(dfd)
    }
}
