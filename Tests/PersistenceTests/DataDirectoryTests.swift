// DataDirectoryTests: the directory lock that keeps a second server off a live data directory.
import Foundation
import Persistence
import TestSupport
import XCTest

final class DataDirectoryTests: XCTestCase {
    func testSecondOpenIsRefusedUntilTheFirstIsReleased() throws {
        let dir = try makeTempDirectory(name)
        defer { try? FileManager.default.removeItem(at: dir) }
        var first: DataDirectory? = try DataDirectory(url: dir.appendingPathComponent("data"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: first!.blobs.blobsDirectory.path))
        XCTAssertEqual(try first!.store.currentSchemaVersion(), SQLiteStore.schemaVersion)
        XCTAssertThrowsError(try DataDirectory(url: dir.appendingPathComponent("data"))) { error in
            XCTAssertEqual(error as? DataDirectoryError, .inUse(path: dir.appendingPathComponent("data").path))
        }
        first = nil
        XCTAssertNoThrow(try DataDirectory(url: dir.appendingPathComponent("data")))
    }
}
