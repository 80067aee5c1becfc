// PostgresStore: the Store on a PostgreSQL server, shared by every replica — a connection pool,
// statements prepared once per connection, versioned migrations (table schema_migrations, applied
// under an advisory lock so replicas starting together migrate once), and the same records,
// timestamps (integer ms) and keyset cursors as SQLiteStore. Jobs and leases: PostgresStore+Jobs.
import Foundation
import JSON

public final class PostgresStore: SharedJobStore, @unchecked Sendable {
    /// Schema versions in order; migration i brings the database from version i to i + 1. Append only.
    static let migrations: [String] = [
        """
        CREATE TABLE jobs (
            id               TEXT COLLATE "C" PRIMARY KEY,
            type             TEXT NOT NULL,
            state            TEXT NOT NULL CHECK (state IN ('queued','running','succeeded','failed','cancelled')),
            params           TEXT NOT NULL DEFAULT '{}',
            progress_phase   TEXT,
            progress_done    BIGINT,
            progress_total   BIGINT,
            result           TEXT,
            error            TEXT,
            idempotency_key  TEXT UNIQUE,
            cancel_requested BOOLEAN NOT NULL DEFAULT false,
            attempts         INTEGER NOT NULL DEFAULT 0,
            created_at       BIGINT NOT NULL,
            started_at       BIGINT,
            finished_at      BIGINT,
            updated_at       BIGINT NOT NULL,
            lease_owner      TEXT,
            lease_expires_at BIGINT
        );
        CREATE INDEX jobs_by_created ON jobs (created_at, id);
        CREATE INDEX jobs_by_state ON jobs (state, created_at, id);
        CREATE INDEX jobs_by_type ON jobs (type, created_at, id);
        CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'running';
        CREATE TABLE job_events (
            id       BIGSERIAL PRIMARY KEY,
            job_id   TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            time     BIGINT NOT NULL,
            kind     TEXT NOT NULL,
            message  TEXT NOT NULL
        );
        CREATE INDEX job_events_by_job ON job_events (job_id, id);
        CREATE TABLE models (
            id               TEXT COLLATE "C" PRIMARY KEY,
            name             TEXT NOT NULL,
            format           TEXT NOT NULL,
            kind             TEXT NOT NULL,
            sha256           TEXT NOT NULL,
            size             BIGINT NOT NULL,
            description      TEXT NOT NULL DEFAULT '{}',
            created_at       BIGINT NOT NULL,
            parent_model_id  TEXT REFERENCES models(id) ON DELETE SET NULL,
            source_job_id    TEXT REFERENCES jobs(id) ON DELETE SET NULL
        );
        CREATE INDEX models_by_created ON models (created_at, id);
        CREATE INDEX models_by_sha256 ON models (sha256);
        CREATE TABLE datasets (
            id          TEXT COLLATE "C" PRIMARY KEY,
            name        TEXT NOT NULL,
            dtype       TEXT NOT NULL,
            shape       TEXT NOT NULL,
            sha256      TEXT NOT NULL,
            size        BIGINT NOT NULL,
            created_at  BIGINT NOT NULL
        );
        CREATE INDEX datasets_by_created ON datasets (created_at, id);
        CREATE INDEX datasets_by_sha256 ON datasets (sha256);
        """
    ]

    public static var schemaVersion: Int { migrations.count }
    /// Any key works as long as every SpikeForge build uses the same one.
    static let migrationLockKey = 0x5350_494B_4546_4F52  // "SPIKEFOR"

    public let replicaID: String
    public let leaseSeconds: Double
    let pool: PostgresPool
    let listener = NotificationListener()

    /// Connects (`url`: postgres://user:password@host:port/db?…), migrates, and names this replica.
    /// `poolSize` bounds the connections this process opens.
    public init(url: String, poolSize: Int = 8, leaseSeconds: Double = 30, replicaID: String? = nil) throws {
        pool = PostgresPool(url: url, size: poolSize)
        self.leaseSeconds = max(1, leaseSeconds)
        self.replicaID = replicaID ?? Self.defaultReplicaID()
        try migrate()
    }

    deinit { stopListening() }

    /// host name + pid + a random suffix: readable in `lease_owner`, unique across restarts.
    static func defaultReplicaID() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(RecordID.make(prefix: "").prefix(6))"
    }

    /// The highest migration applied.
    public func currentSchemaVersion() throws -> Int {
        try pool.with { try Self.version(on: $0) }
    }

    private static func version(on connection: PostgresConnection) throws -> Int {
        Int(
            try connection.query(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], "read schema version"
            ) { $0.int(0) }.first ?? 0)
    }

    private func migrate() throws {
        try pool.transaction("migrate") { connection in
            try connection.exec("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", "lock migrations")
            try connection.exec(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)
                """,
                "create schema_migrations")
            let found = try Self.version(on: connection)
            guard found <= Self.migrations.count else {
                throw StoreError.schemaTooNew(found: found, supported: Self.migrations.count)
            }
            for version in found..<Self.migrations.count {
                do {
                    try connection.exec(Self.migrations[version], "migration \(version + 1)")
                    try connection.run(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                        ["\(version + 1)", "\(millis(Date()))"], "record schema version")
                } catch {
                    throw StoreError.migrationFailed(version: version + 1, message: "\(error)")
                }
            }
        }
    }

    // MARK: models

    @discardableResult
    public func insertModel(_ model: ModelRecord) throws -> ModelRecord {
        guard JSONText.canonical(model.descriptionJSON, requireObject: true) != nil else {
            throw StoreError.invalidJSON(field: "model description")
        }
        var stored = model
        stored.createdAt = roundedDate(model.createdAt)
        try pool.with {
            try $0.run(
                """
                INSERT INTO models (id, name, format, kind, sha256, size, description, created_at, parent_model_id,
                                    source_job_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """,
                [
                    model.id, model.name, model.format, model.kind, model.sha256, "\(model.size)",
                    model.descriptionJSON, "\(millis(model.createdAt))", model.parentModelID, model.sourceJobID,
                ], "insert model")
        }
        return stored
    }

    public func model(id: String) throws -> ModelRecord? {
        try pool.with {
            try $0.query(
                "SELECT \(RecordColumns.model) FROM models WHERE id = $1", [id], "read model",
                row: ModelRecord.init(row:)
            )
            .first
        }
    }

    public func listModels(_ page: PageRequest) throws -> Page<ModelRecord> {
        try list(
            table: "models", columns: RecordColumns.model, conditions: [], args: [], page: page,
            decode: ModelRecord.init(row:))
    }

    public func deleteModel(id: String) throws -> Bool {
        try pool.with { try $0.run("DELETE FROM models WHERE id = $1", [id], "delete model") > 0 }
    }

    // MARK: datasets

    @discardableResult
    public func insertDataset(_ dataset: DatasetRecord) throws -> DatasetRecord {
        var stored = dataset
        stored.createdAt = roundedDate(dataset.createdAt)
        let shape = "[" + dataset.shape.map(String.init).joined(separator: ",") + "]"
        try pool.with {
            try $0.run(
                """
                INSERT INTO datasets (id, name, dtype, shape, sha256, size, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [
                    dataset.id, dataset.name, dataset.dtype, shape, dataset.sha256, "\(dataset.size)",
                    "\(millis(dataset.createdAt))",
                ], "insert dataset")
        }
        return stored
    }

    public func dataset(id: String) throws -> DatasetRecord? {
        try pool.with {
            try $0.query(
                "SELECT \(RecordColumns.dataset) FROM datasets WHERE id = $1", [id], "read dataset",
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
        try pool.with { try $0.run("DELETE FROM datasets WHERE id = $1", [id], "delete dataset") > 0 }
    }

    public func isBlobReferenced(sha256: String) throws -> Bool {
        try pool.with {
            try $0.query(
                """
                SELECT EXISTS (SELECT 1 FROM models WHERE sha256 = $1)
                    OR EXISTS (SELECT 1 FROM datasets WHERE sha256 = $1)
                """, [sha256], "count blob references"
            ) { $0.bool(0) }.first ?? false
        }
    }

    // MARK: keyset pagination (newest first, ties broken by id; the cursors SQLiteStore issues)

    func list<T>(
        table: String, columns: String, conditions: [String], args: [String?], page: PageRequest,
        decode: (PostgresConnection.Row) throws -> T
    ) throws -> Page<T> {
        var conditions = conditions
        var args = args
        if let cursor = page.cursor {
            let (ms, id) = try SQLiteStore.decodeCursor(cursor)
            conditions.append("(created_at, id) < ($\(args.count + 1)::bigint, $\(args.count + 2))")
            args += ["\(ms)", id]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        args.append("\(page.limit + 1)")
        let sql =
            "SELECT \(columns), created_at FROM \(table) \(whereClause) "
            + "ORDER BY created_at DESC, id DESC LIMIT $\(args.count)"
        let columnCount = Int32(columns.split(separator: ",").count)
        let rows: [(T, Int64, String)] = try pool.with {
            try $0.query(sql, args, "list \(table)") { r in (try decode(r), r.int(columnCount), r.text(0)) }
        }
        let items = rows.prefix(page.limit)
        let next = rows.count > page.limit ? items.last.map { SQLiteStore.encodeCursor(ms: $0.1, id: $0.2) } : nil
        return Page(items: items.map { $0.0 }, nextCursor: next)
    }
}
