// TestSupport: scratch directories, polling and random bytes for any test target, and raw SQLite
// access for simulating what another process (or an older/newer build) left in a database file.
import CSQLite
import Foundation

public func makeTempDirectory(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("spikeforge-persistence-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Executes SQL on the database file through a separate connection, like another process would.
public func rawSQL(_ path: String, _ sql: String) throws {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw NSError(domain: "sqlite", code: 1) }
    defer { sqlite3_close(db) }
    sqlite3_busy_timeout(db, 5000)
    var err: UnsafeMutablePointer<CChar>?
    if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
        let message = err.map { String(cString: $0) } ?? "?"
        sqlite3_free(err)
        throw NSError(domain: "sqlite", code: 2, userInfo: [NSLocalizedDescriptionKey: message])
    }
}

/// Reads one integer (first column of the first row) through a separate connection.
public func rawInt(_ path: String, _ sql: String) throws -> Int64 {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw NSError(domain: "sqlite", code: 1) }
    defer { sqlite3_close(db) }
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw NSError(domain: "sqlite", code: 3) }
    defer { sqlite3_finalize(stmt) }
    guard sqlite3_step(stmt) == SQLITE_ROW else { throw NSError(domain: "sqlite", code: 4) }
    return sqlite3_column_int64(stmt, 0)
}

/// Polls `condition` until it holds or `timeout` passes.
public func eventually(timeout: TimeInterval = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(2_000)
    }
    return try condition()
}

/// `count` random bytes, drawn eight at a time.
public func randomBytes(_ count: Int) -> [UInt8] {
    var rng = SystemRandomNumberGenerator()
    var out = [UInt8]()
    out.reserveCapacity(count + 8)
    while out.count < count {
        withUnsafeBytes(of: rng.next() as UInt64) { out.append(contentsOf: $0) }
    }
    return Array(out.prefix(count))
}
