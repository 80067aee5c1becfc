// DataDirectory: one server's data directory — an exclusive lock, the SQLite store and the blob
// store opened together. The lock matters because start-up recovery assumes that no other process
// runs jobs or writes uploads here: a second server on the same directory would requeue the first
// one's running jobs and delete its in-flight temp files. The kernel drops the lock when the process
// dies (even on kill -9), so a restart after a crash never finds it held.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum DataDirectoryError: Error, CustomStringConvertible, Equatable {
    /// Another live process holds the directory's lock.
    case inUse(path: String)
    case cannotLock(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .inUse(let path):
            return
                "data directory: \(path) is in use by another SpikeForge process; stop it or choose another --data-dir"
        case .cannotLock(let path, let code):
            return
                "data directory: cannot create the lock file \(path): \(String(cString: strerror(code))) (errno "
                + "\(code))"
        }
    }
}

public final class DataDirectory: @unchecked Sendable {
    public let url: URL
    public let store: SQLiteStore
    public let blobs: BlobStore
    private let lockFD: Int32

    /// Creates the directory if needed, takes its lock (fails fast with `.inUse`), removes stale
    /// upload temp files and opens/migrates `spikeforge.sqlite`. The lock is held until deinit.
    public init(url: URL) throws {
        self.url = url
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let lockPath = url.appendingPathComponent("spikeforge.lock").path
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataDirectoryError.cannotLock(path: lockPath, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw DataDirectoryError.inUse(path: url.path) }
            throw DataDirectoryError.cannotLock(path: lockPath, errno: code)
        }
        lockFD = fd
        do {
            blobs = try BlobStore(dataDirectory: url)
            store = try SQLiteStore(dataDirectory: url)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(lockFD) }
}
