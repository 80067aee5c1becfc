// BlobStoreTests: streamed writes into real files — layout, dedup, size limit, abort, stale temp
// clean-up and concurrent writers.
import Foundation
import Persistence
import TestSupport
import XCTest

final class BlobStoreTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try makeTempDirectory(name) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func tempFiles(_ store: BlobStore) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: store.temporaryDirectory.path)
    }

    func testStreamedCommitIsContentAddressed() throws {
        let store = try BlobStore(dataDirectory: dir)
        let writer = try store.makeWriter()
        let content = Array("hello, akida".utf8)
        try writer.write(Array(content[0..<5]))
        try writer.write(Data(content[5...]))
        XCTAssertEqual(writer.head, content)
        XCTAssertTrue(FileManager.default.fileExists(atPath: writer.temporaryURL.path))
        let ref = try writer.commit()
        XCTAssertEqual(ref, BlobRef(sha256: SHA256.hash(content), size: Int64(content.count)))
        let url = try XCTUnwrap(store.url(for: ref.sha256))
        XCTAssertEqual(url.deletingLastPathComponent().lastPathComponent, String(ref.sha256.prefix(2)))
        XCTAssertEqual(url.lastPathComponent, String(ref.sha256.dropFirst(2)))
        XCTAssertEqual(try Data(contentsOf: url), Data(content))
        XCTAssertEqual(try store.read(ref.sha256), Data(content))
        XCTAssertEqual(try store.size(of: ref.sha256), Int64(content.count))
        let handle = try store.openForReading(ref.sha256)
        XCTAssertEqual(handle.readDataToEndOfFile(), Data(content))
        try handle.close()
        XCTAssertEqual(try tempFiles(store), [])
        XCTAssertThrowsError(try writer.write([1])) { XCTAssertEqual($0 as? BlobError, .writerClosed) }
    }

    func testDuplicateContentIsStoredOnce() throws {
        let store = try BlobStore(dataDirectory: dir)
        let a = try store.put(Data("same bytes".utf8))
        let b = try store.put(Data("same bytes".utf8))
        XCTAssertEqual(a, b)
        let shards = try FileManager.default.contentsOfDirectory(atPath: store.blobsDirectory.path)
        XCTAssertEqual(shards.count, 1)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(
                atPath: store.blobsDirectory.appendingPathComponent(shards[0]).path
            ).count, 1)
        XCTAssertEqual(try tempFiles(store), [])
    }

    func testSizeLimitThrowsTooLargeAndRemovesTheTempFile() throws {
        let store = try BlobStore(dataDirectory: dir)
        let writer = try store.makeWriter(limit: 10)
        try writer.write([UInt8](repeating: 7, count: 6))
        try writer.write([UInt8](repeating: 7, count: 4))  // exactly at the limit is fine
        XCTAssertThrowsError(try writer.write([1])) { XCTAssertEqual($0 as? BlobError, .tooLarge(limit: 10)) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: writer.temporaryURL.path))
        XCTAssertThrowsError(try writer.commit()) { XCTAssertEqual($0 as? BlobError, .writerClosed) }
        XCTAssertEqual(try tempFiles(store), [])
    }

    func testAbortAndDroppedWritersLeaveNothing() throws {
        let store = try BlobStore(dataDirectory: dir)
        let writer = try store.makeWriter()
        try writer.write([1, 2, 3])
        writer.abort()
        writer.abort()
        do {
            let dropped = try store.makeWriter()
            try dropped.write([4, 5, 6])
        }
        XCTAssertEqual(try tempFiles(store), [])
        XCTAssertFalse(store.contains(SHA256.hash([1, 2, 3])))
    }

    func testStaleTemporaryFilesAreRemovedAtStartUp() throws {
        let first = try BlobStore(dataDirectory: dir)
        let writer = try first.makeWriter()
        try writer.write([9, 9, 9])
        // Simulate a crash: a second process starts while the temp file is still on disk.
        let second = try BlobStore(dataDirectory: dir)
        XCTAssertEqual(second.removedStaleTemporaryFiles, 1)
        XCTAssertEqual(try tempFiles(second), [])
    }

    func testLookupRejectsMalformedDigests() throws {
        let store = try BlobStore(dataDirectory: dir)
        XCTAssertNil(store.url(for: "../../etc/passwd"))
        XCTAssertThrowsError(try store.read("nothex")) { XCTAssertEqual($0 as? BlobError, .invalidDigest("nothex")) }
        let absent = SHA256.hash([42])
        XCTAssertThrowsError(try store.read(absent)) { XCTAssertEqual($0 as? BlobError, .notFound(sha256: absent)) }
    }

    func testPutContentsOfFileAndRemove() throws {
        let store = try BlobStore(dataDirectory: dir)
        let source = dir.appendingPathComponent("input.bin")
        let bytes = randomBytes((3 << 20) + 17)
        try Data(bytes).write(to: source)
        let ref = try store.put(contentsOf: source)
        XCTAssertEqual(ref, BlobRef(sha256: SHA256.hash(bytes), size: Int64(bytes.count)))
        XCTAssertThrowsError(try store.put(contentsOf: source, limit: 1 << 20)) {
            XCTAssertEqual($0 as? BlobError, .tooLarge(limit: 1 << 20))
        }
        XCTAssertTrue(try store.remove(ref.sha256))
        XCTAssertFalse(try store.remove(ref.sha256))
        XCTAssertFalse(store.contains(ref.sha256))
    }

    func testConcurrentWritersOfSameAndDifferentContent() throws {
        let store = try BlobStore(dataDirectory: dir)
        let lock = NSLock()
        var refs: [Int: BlobRef] = [:]
        var errors: [Error] = []
        DispatchQueue.concurrentPerform(iterations: 32) { i in
            do {
                let writer = try store.makeWriter()
                // Even writers share content; odd ones write their own.
                let seed = i % 2 == 0 ? 0 : i
                for chunk in 0..<16 {
                    try writer.write([UInt8](repeating: UInt8(truncatingIfNeeded: seed &+ chunk), count: 4096))
                }
                let ref = try writer.commit()
                lock.lock(); refs[i] = ref; lock.unlock()
            } catch {
                lock.lock(); errors.append(error); lock.unlock()
            }
        }
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        XCTAssertEqual(refs.count, 32)
        XCTAssertEqual(Set(refs.values).count, 17)
        for (i, ref) in refs {
            let seed = i % 2 == 0 ? 0 : i
            var expected = [UInt8]()
            for chunk in 0..<16 {
                expected += [UInt8](repeating: UInt8(truncatingIfNeeded: seed &+ chunk), count: 4096)
            }
            XCTAssertEqual(try store.read(ref.sha256), Data(expected))
        }
        XCTAssertEqual(try tempFiles(store), [])
    }
}
