// SQLiteConnection: the only code that calls the SQLite C API — one connection, a statement cache,
// typed binding and reading. Not thread-safe by itself: SQLiteStore serialises access with a lock.
import CSQLite
import Foundation

enum SQLValue {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    init(_ s: String?) { self = s.map { .text($0) } ?? .null }
    init(_ i: Int64?) { self = i.map { .int($0) } ?? .null }
}

final class SQLiteConnection {
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot allocate connection"
            sqlite3_close(handle)
            throw StoreError.database(operation: "open \(path)", code: rc, message: message)
        }
        db = handle
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit {
        for stmt in statements.values { sqlite3_finalize(stmt) }
        sqlite3_close(db)
    }

    /// Runs one or more statements without parameters (DDL, PRAGMA, BEGIN/COMMIT).
    func exec(_ sql: String, _ operation: String) throws {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(errmsg)
            throw StoreError.database(operation: operation, code: rc, message: message)
        }
    }

    /// Executes a statement and returns its rows (each a row accessor valid only inside `row`).
    @discardableResult
    func query<T>(_ sql: String, _ args: [SQLValue] = [], _ operation: String, row: (Row) throws -> T) throws -> [T] {
        let stmt = try prepared(sql, operation)
        defer { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
        for (i, arg) in args.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch arg {
            case .null: rc = sqlite3_bind_null(stmt, idx)
            case .int(let v): rc = sqlite3_bind_int64(stmt, idx, v)
            case .double(let v): rc = sqlite3_bind_double(stmt, idx, v)
            case .text(let v): rc = sqlite3_bind_text(stmt, idx, v, -1, csqlite_transient())
            }
            guard rc == SQLITE_OK else { throw error(rc, operation) }
        }
        var out: [T] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_ROW {
                out.append(try row(Row(stmt: stmt)))
            } else if rc == SQLITE_DONE {
                return out
            } else {
                throw error(rc, operation)
            }
        }
    }

    /// Executes a statement that returns no rows; returns the number of rows changed.
    @discardableResult
    func run(_ sql: String, _ args: [SQLValue] = [], _ operation: String) throws -> Int {
        try query(sql, args, operation) { _ in () }
        return Int(sqlite3_changes(db))
    }

    /// Runs `body` inside BEGIN IMMEDIATE … COMMIT, rolling back when it throws.
    func transaction<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        try exec("BEGIN IMMEDIATE", operation)
        do {
            let value = try body()
            try exec("COMMIT", operation)
            return value
        } catch {
            try? exec("ROLLBACK", operation)
            throw error
        }
    }

    private func prepared(_ sql: String, _ operation: String) throws -> OpaquePointer {
        if let stmt = statements[sql] { return stmt }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, operation) }
        statements[sql] = stmt
        return stmt
    }

    private func error(_ rc: Int32, _ operation: String) -> StoreError {
        let message = String(cString: sqlite3_errmsg(db))
        if rc & 0xff == SQLITE_CONSTRAINT {
            return .conflict("\(operation): \(message)")
        }
        return .database(operation: operation, code: rc, message: message)
    }

    struct Row: StoredRow {
        let stmt: OpaquePointer

        func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
        func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
        func text(_ i: Int32) -> String {
            guard let p = sqlite3_column_text(stmt, i) else { return "" }
            return String(cString: p)
        }
        func bool(_ i: Int32) -> Bool { int(i) != 0 }
    }
}
