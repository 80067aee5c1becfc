// How a stored row becomes a record, written once for both stores: SQLite and PostgreSQL differ in
// how a column value is read (each connection's Row), not in the tables' column layout.
import Foundation
import JSON

/// One result row of a store query; columns are read by position.
protocol StoredRow {
    func isNull(_ i: Int32) -> Bool
    func text(_ i: Int32) -> String
    func int(_ i: Int32) -> Int64
    func bool(_ i: Int32) -> Bool
}

extension StoredRow {
    func optionalText(_ i: Int32) -> String? { isNull(i) ? nil : text(i) }
    func optionalInt(_ i: Int32) -> Int64? { isNull(i) ? nil : int(i) }
}

/// The columns each record is read from, in the order the decoders below expect.
enum RecordColumns {
    static let model =
        "id, name, format, kind, sha256, size, description, created_at, parent_model_id, source_job_id"
    static let dataset = "id, name, dtype, shape, sha256, size, created_at"
    static let job = """
        id, type, state, params, progress_phase, progress_done, progress_total, result, error, idempotency_key, \
        cancel_requested, attempts, created_at, started_at, finished_at, updated_at
        """
}

extension ModelRecord {
    init(row r: some StoredRow) {
        self.init(
            id: r.text(0), name: r.text(1), format: r.text(2), kind: r.text(3), sha256: r.text(4),
            size: r.int(5), descriptionJSON: r.text(6), createdAt: date(r.int(7)),
            parentModelID: r.optionalText(8), sourceJobID: r.optionalText(9))
    }
}

extension DatasetRecord {
    init(row r: some StoredRow) throws {
        let shapeText = r.text(3)
        guard let items = (try? JSONValue(parsing: shapeText))?.array, case let dims = items.compactMap(\.int),
            dims.count == items.count
        else {
            throw StoreError.corruptRow(
                "dataset \(r.text(0)) has shape '\(shapeText)', expected a JSON array of integers")
        }
        self.init(
            id: r.text(0), name: r.text(1), dtype: r.text(2), shape: dims,
            sha256: r.text(4), size: r.int(5), createdAt: date(r.int(6)))
    }
}

extension JobRecord {
    init(row r: some StoredRow) throws {
        guard let state = JobState(rawValue: r.text(2)) else {
            throw StoreError.corruptRow("job \(r.text(0)) has unknown state '\(r.text(2))'")
        }
        let progress = r.optionalText(4).map {
            JobProgress(phase: $0, done: Int(r.optionalInt(5) ?? 0), total: Int(r.optionalInt(6) ?? 0))
        }
        self.init(
            id: r.text(0), type: r.text(1), state: state, paramsJSON: r.text(3), progress: progress,
            resultJSON: r.optionalText(7), errorJSON: r.optionalText(8), idempotencyKey: r.optionalText(9),
            cancelRequested: r.bool(10), attempts: Int(r.int(11)), createdAt: date(r.int(12)),
            startedAt: r.optionalInt(13).map(date), finishedAt: r.optionalInt(14).map(date),
            updatedAt: date(r.int(15)))
    }
}
