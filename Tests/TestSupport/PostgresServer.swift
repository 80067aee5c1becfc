// TestSupport: the PostgreSQL server scripts/test.sh starts (scripts/postgres-test-server.sh) — its
// URL, a fresh schema per test so tests never see each other's rows, and raw SQL through a
// separate connection, like another process would run it.
import CPostgres
import Foundation

public struct PostgresTestError: Error, CustomStringConvertible {
    public let description: String
}

public enum PostgresServer {
    public static let environmentVariable = "SPIKEFORGE_TEST_POSTGRES_URL"

    /// The server's URL. Throws (the test fails, it is not skipped) when the variable is missing:
    /// the PostgreSQL tests must run wherever the suite runs.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment[environmentVariable], !url.isEmpty else {
            throw PostgresTestError(
                description:
                    "\(environmentVariable) is not set: run the tests through scripts/test.sh, which starts a "
                    + "PostgreSQL server, or start one with `eval \"$(scripts/postgres-test-server.sh start)\"`")
        }
        return url
    }

    /// Creates an empty schema and returns a URL whose connections use it (search_path).
    public static func freshSchema(_ name: String = #function) throws -> String {
        let base = try url()
        let safe = name.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(30)
        let schema = "t_\(safe)_\(UUID().uuidString.prefix(8).lowercased())"
        try execute(base, "CREATE SCHEMA \(schema)")
        return base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
    }

    /// Runs SQL on a connection of its own; returns the first column of the first row (or nil).
    @discardableResult
    public static func execute(_ url: String, _ sql: String) throws -> String? {
        guard let conn = PQconnectdb(url) else { throw PostgresTestError(description: "cannot allocate a connection") }
        defer { PQfinish(conn) }
        guard PQstatus(conn) == CONNECTION_OK else {
            throw PostgresTestError(description: "cannot connect to \(url): \(String(cString: PQerrorMessage(conn)))")
        }
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw PostgresTestError(description: "\(sql): \(String(cString: PQerrorMessage(conn)))")
        }
        guard PQntuples(result) > 0, PQnfields(result) > 0, PQgetisnull(result, 0, 0) == 0 else { return nil }
        return String(cString: PQgetvalue(result, 0, 0))
    }
}
