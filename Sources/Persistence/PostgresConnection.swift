// PostgresConnection: the only code that calls libpq — one server connection, statements prepared
// once per connection (by name), text-format parameters and results, LISTEN/NOTIFY delivery.
// Not thread-safe by itself: PostgresPool hands each connection to one thread at a time.
import CPostgres
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class PostgresConnection {
    private let conn: OpaquePointer
    private var prepared: [String: String] = [:]

    /// Connects with `url` (a libpq URI or key=value string). Defaults the URL may override: a 5 s
    /// connect timeout, TCP keepalives and a 30 s TCP user timeout (so a silently vanished server —
    /// a network partition — fails a statement instead of hanging the thread), and the
    /// application name shown in pg_stat_activity.
    init(url: String) throws {
        let keywords = [
            "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
            "application_name", "dbname",
        ]
        let values = ["5", "10", "5", "3", "30000", "spikeforge", url]
        let handle = withCStrings(keywords) { k in
            withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let handle else {
            throw StoreError.unavailable(operation: "connect", message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            throw StoreError.unavailable(operation: "connect", message: message)
        }
        conn = handle
    }

    deinit { PQfinish(conn) }

    /// False once the server closed the connection or the network failed; the pool then drops it.
    var isHealthy: Bool { PQstatus(conn) == CONNECTION_OK }

    /// Runs statements without parameters (DDL, BEGIN/COMMIT, LISTEN), possibly several at once.
    func exec(_ sql: String, _ operation: String) throws {
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        try check(result, operation)
    }

    /// Executes a parameterised statement ($1, $2, …), prepared on first use on this connection.
    @discardableResult
    func query<T>(_ sql: String, _ args: [String?] = [], _ operation: String, row: (Row) throws -> T) throws -> [T] {
        let name = try statementName(sql, count: args.count, operation)
        let result = withOptionalCStrings(args) { values in
            PQexecPrepared(conn, name, Int32(args.count), values, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result, operation)
        return try (0..<PQntuples(result)).map { try row(Row(result: result, index: $0)) }
    }

    /// Executes a statement that returns no rows; returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ args: [String?] = [], _ operation: String) throws -> Int {
        let name = try statementName(sql, count: args.count, operation)
        let result = withOptionalCStrings(args) { values in
            PQexecPrepared(conn, name, Int32(args.count), values, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result, operation)
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Waits up to `timeout` seconds for notifications of channels this connection LISTENs on.
    /// Throws `StoreError.unavailable` when the connection is lost.
    func notifications(timeout: TimeInterval) throws -> [(channel: String, payload: String)] {
        var out = drainNotifications()
        if !out.isEmpty { return out }
        var descriptor = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { throw StoreError.unavailable(operation: "listen", message: "no socket") }
        let ready = poll(&descriptor, 1, Int32(timeout * 1000))
        if ready > 0 {
            guard PQconsumeInput(conn) == 1 else {
                throw StoreError.unavailable(operation: "listen", message: errorMessage)
            }
            out = drainNotifications()
        }
        return out
    }

    private func drainNotifications() -> [(channel: String, payload: String)] {
        var out: [(String, String)] = []
        while let note = PQnotifies(conn) {
            out.append((String(cString: note.pointee.relname), String(cString: note.pointee.extra)))
            PQfreemem(note)
        }
        return out
    }

    private var errorMessage: String {
        String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func statementName(_ sql: String, count: Int, _ operation: String) throws -> String {
        if let name = prepared[sql] { return name }
        let name = "sf\(prepared.count)"
        let result = PQprepare(conn, name, sql, Int32(count), nil)
        defer { PQclear(result) }
        try check(result, "prepare \(operation)")
        prepared[sql] = name
        return name
    }

    private func check(_ result: OpaquePointer?, _ operation: String) throws {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK { return }
        let sqlstate = result.flatMap { PQresultErrorField($0, cpostgres_diag_sqlstate()) }.map { String(cString: $0) }
        let message = result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) } ?? ""
        let text = (message.isEmpty ? errorMessage : message).trimmingCharacters(in: .whitespacesAndNewlines)
        // Class 08 (connection exception), 57P (operator intervention: shutdown) or a dead socket.
        if !isHealthy || sqlstate == nil || sqlstate!.hasPrefix("08") || sqlstate!.hasPrefix("57P") {
            throw StoreError.unavailable(operation: operation, message: text)
        }
        if sqlstate!.hasPrefix("23") { throw StoreError.conflict("\(operation): \(text)") }
        throw StoreError.server(operation: operation, sqlstate: sqlstate!, message: text)
    }

    /// One result row; values arrive in PostgreSQL's text format.
    struct Row: StoredRow {
        let result: OpaquePointer?
        let index: Int32

        func isNull(_ i: Int32) -> Bool { PQgetisnull(result, index, i) == 1 }
        func text(_ i: Int32) -> String { String(cString: PQgetvalue(result, index, i)) }
        func int(_ i: Int32) -> Int64 { Int64(text(i)) ?? 0 }
        func bool(_ i: Int32) -> Bool { text(i) == "t" }
    }
}

/// Calls `body` with a NULL-terminated array of C strings valid for the call's duration.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStrings(strings) { body($0) }
}

private func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
