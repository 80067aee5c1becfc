// SQLiteStore: the embedded Store — one SQLite file in WAL mode with foreign keys, a busy timeout,
// synchronous=FULL (a committed row survives kill -9 and power loss) and versioned migrations
// tracked in PRAGMA user_version. One connection behind a lock serves every HTTP and worker thread:
// each call is a few microseconds of SQLite work, far below the cost of the requests around it.
import CSQLite
import Foundation
import JSON

public final class SQLiteStore: Store, @unchecked Sendable {
    /// Schema versions in order; migration i brings user_version from i to i + 1. Append only.
    static let migrations: [String] = [
        """
        CREATE TABLE jobs (
            id               TEXT PRIMARY KEY,
            type             TEXT NOT NULL,
            state            TEXT NOT NULL CHECK (state IN ('queued','running','succeeded','failed','cancelled')),
            params           TEXT NOT NULL DEFAULT '{}',
            progress_phase   TEXT,
            progress_done    INTEGER,
            progress_total   INTEGER,
            result           TEXT,
            error            TEXT,
            idempotency_key  TEXT UNIQUE,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            attempts         INTEGER NOT NULL DEFAULT 0,
            created_at       INTEGER NOT NULL,
            started_at       INTEGER,
            finished_at      INTEGER,
            updated_at       INTEGER NOT NULL
        );
        CREATE INDEX jobs_by_created ON jobs (created_at, id);
        CREATE INDEX jobs_by_state ON jobs (state, created_at, id);
        CREATE INDEX jobs_by_type ON jobs (type, created_at, id);
        CREATE TABLE job_events (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id   TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            time     INTEGER NOT NULL,
            kind     TEXT NOT NULL,
            message  TEXT NOT NULL
        );
        CREATE INDEX job_events_by_job ON job_events (job_id, id);
        CREATE TABLE models (
            id               TEXT PRIMARY KEY,
            name             TEXT NOT NULL,
            format           TEXT NOT NULL,
            kind             TEXT NOT NULL,
            sha256           TEXT NOT NULL,
            size             INTEGER NOT NULL,
            description      TEXT NOT NULL DEFAULT '{}',
            created_at       INTEGER NOT NULL,
            parent_model_id  TEXT REFERENCES models(id) ON DELETE SET NULL,
            source_job_id    TEXT REFERENCES jobs(id) ON DELETE SET NULL
        );
        CREATE INDEX models_by_created ON models (created_at, id);
        CREATE INDEX models_by_sha256 ON models (sha256);
        CREATE TABLE datasets (
            id          TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            dtype       TEXT NOT NULL,
            shape       TEXT NOT NULL,
            sha256      TEXT NOT NULL,
            size        INTEGER NOT NULL,
            created_at  INTEGER NOT NULL
        );
        CREATE INDEX datasets_by_created ON datasets (created_at, id);
        CREATE INDEX datasets_by_sha256 ON datasets (sha256);
        """
    ]

    public static var schemaVersion: Int { migrations.count }

    public let path: String
    let connection: SQLiteConnection
    private let lock = NSLock()

    /// Opens (creating if needed) the database file and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        connection = try SQLiteConnection(path: path)
        try connection.exec("PRAGMA busy_timeout = 5000", "set busy timeout")
        let mode = try connection.query("PRAGMA journal_mode = WAL", [], "enable WAL") { $0.text(0) }
        guard mode.first?.lowercased() == "wal" else {
            throw StoreError.database(
                operation: "enable WAL", code: SQLITE_ERROR,
                message: "journal_mode is \(mode.first ?? "?") (the file system may not support WAL)")
        }
        try connection.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "configure connection")
        try migrate()
    }

    /// Opens `<dataDirectory>/spikeforge.sqlite`.
    public convenience init(dataDirectory: URL) throws {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        try self.init(path: dataDirectory.appendingPathComponent("spikeforge.sqlite").path)
    }

    /// The schema version the file is at (PRAGMA user_version).
    public func currentSchemaVersion() throws -> Int {
        try locked { try userVersion() }
    }

    private func userVersion() throws -> Int {
        Int(try connection.query("PRAGMA user_version", [], "read schema version") { $0.int(0) }.first ?? 0)
    }

    private func migrate() throws {
        try locked {
            let found = try userVersion()
            guard found <= Self.migrations.count else {
                throw StoreError.schemaTooNew(found: found, supported: Self.migrations.count)
            }
            for version in found..<Self.migrations.count {
                do {
                    try connection.transaction("migrate to \(version + 1)") {
                        try connection.exec(Self.migrations[version], "migration \(version + 1)")
                        try connection.exec("PRAGMA user_version = \(version + 1)", "set schema version")
                    }
                } catch {
                    throw StoreError.migrationFailed(version: version + 1, message: "\(error)")
                }
            }
        }
    }

    @discardableResult
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // MARK: models

    @discardableResult
    public func insertModel(_ model: ModelRecord) throws -> ModelRecord {
        guard JSONText.canonical(model.descriptionJSON, requireObject: true) != nil else {
            throw StoreError.invalidJSON(field: "model description")
        }
        var stored = model
        stored.createdAt = roundedDate(model.createdAt)
        try locked {
            try connection.run(
                """
                INSERT INTO models (id, name, format, kind, sha256, size, description, created_at, parent_model_id,
                                    source_job_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(model.id), .text(model.name), .text(model.format), .text(model.kind), .text(model.sha256),
                    .int(model.size), .text(model.descriptionJSON), .int(millis(model.createdAt)),
                    SQLValue(model.parentModelID), SQLValue(model.sourceJobID),
                ], "insert model")
        }
        return stored
    }

    public func model(id: String) throws -> ModelRecord? {
        try locked {
            try connection.query(
                "SELECT \(RecordColumns.model) FROM models WHERE id = ?", [.text(id)], "read model",
                row: ModelRecord.init(row:)
            ).first
        }
    }

    public func listModels(_ page: PageRequest) throws -> Page<ModelRecord> {
        try list(
            table: "models", columns: RecordColumns.model, conditions: [], args: [], page: page,
            decode: ModelRecord.init(row:))
    }

    public func deleteModel(id: String) throws -> Bool {
        try locked { try connection.run("DELETE FROM models WHERE id = ?", [.text(id)], "delete model") > 0 }
    }

    // MARK: datasets

    @discardableResult
    public func insertDataset(_ dataset: DatasetRecord) throws -> DatasetRecord {
        var stored = dataset
        stored.createdAt = roundedDate(dataset.createdAt)
        let shape = "[" + dataset.shape.map(String.init).joined(separator: ",") + "]"
        try locked {
            try connection.run(
                """
                INSERT INTO datasets (id, name, dtype, shape, sha256, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(dataset.id), .text(dataset.name), .text(dataset.dtype), .text(shape),
                    .text(dataset.sha256), .int(dataset.size), .int(millis(dataset.createdAt)),
                ], "insert dataset")
        }
        return stored
    }

    public func dataset(id: String) throws -> DatasetRecord? {
        try locked {
            try connection.query(
                "SELECT \(RecordColumns.dataset) FROM datasets WHERE id = ?", [.text(id)], "read dataset",
                row: DatasetRecord.init(row:)
            ).first
        }
    }

    public func listDatasets(_ page: PageRequest) throws -> Page<DatasetRecord> {
        try list(
            table: "datasets", columns: RecordColumns.dataset, conditions: [], args: [], page: page,
            decode: DatasetRecord.init(row:)
        )
    }

    public func deleteDataset(id: String) throws -> Bool {
        try locked { try connection.run("DELETE FROM datasets WHERE id = ?", [.text(id)], "delete dataset") > 0 }
    }

    public func isBlobReferenced(sha256: String) throws -> Bool {
        try locked {
            let n = try connection.query(
                """
                SELECT (SELECT COUNT(*) FROM models WHERE sha256 = ?1)
                     + (SELECT COUNT(*) FROM datasets WHERE sha256 = ?1)
                """, [.text(sha256)], "count blob references"
            ) { $0.int(0) }
            return (n.first ?? 0) > 0
        }
    }

    // MARK: keyset pagination (newest first, ties broken by id)

    func list<T>(
        table: String, columns: String, conditions: [String], args: [SQLValue], page: PageRequest,
        decode: (SQLiteConnection.Row) throws -> T
    ) throws -> Page<T> {
        var conditions = conditions
        var args = args
        if let cursor = page.cursor {
            let (ms, id) = try Self.decodeCursor(cursor)
            conditions.append("(created_at < ? OR (created_at = ? AND id < ?))")
            args += [.int(ms), .int(ms), .text(id)]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(columns), created_at FROM \(table) \(whereClause) ORDER BY created_at DESC, id DESC LIMIT ?"
        args.append(.int(Int64(page.limit + 1)))
        let columnCount = Int32(columns.split(separator: ",").count)
        let rows: [(T, Int64, String)] = try locked {
            try connection.query(sql, args, "list \(table)") { r in (try decode(r), r.int(columnCount), r.text(0)) }
        }
        let items = rows.prefix(page.limit)
        let next = rows.count > page.limit ? items.last.map { Self.encodeCursor(ms: $0.1, id: $0.2) } : nil
        return Page(items: items.map { $0.0 }, nextCursor: next)
    }

    static func encodeCursor(ms: Int64, id: String) -> String { "\(ms).\(id)" }

    static func decodeCursor(_ cursor: String) throws -> (Int64, String) {
        guard let dot = cursor.firstIndex(of: "."), let ms = Int64(cursor[..<dot]) else {
            throw StoreError.invalidCursor(cursor)
        }
        let id = String(cursor[cursor.index(after: dot)...])
        guard !id.isEmpty, id.utf8.allSatisfy({ RecordID.alphabet.contains($0) || $0 == UInt8(ascii: "_") }) else {
            throw StoreError.invalidCursor(cursor)
        }
        return (ms, id)
    }
}

// Timestamps are stored as integer milliseconds since 1970 so keyset cursors compare exactly.
func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
func roundedDate(_ d: Date) -> Date { date(millis(d)) }
