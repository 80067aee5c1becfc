// Service: the JSON shapes of models, datasets, jobs and job events on the wire (see openapi.yaml).
import Foundation
import Jobs
import Persistence

enum Representation {
    static func date(_ date: Date?) -> Any {
        guard let date else { return NSNull() }
        return iso8601(date)
    }

    /// `2026-11-23T14:06:28.661Z`. Formatted by hand: Foundation's ISO8601DateFormatter is not
    /// safe to share between threads and costs more than the rest of a job's JSON on Linux.
    static func iso8601(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        let fraction = Int(millis - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))Z"
    }

    /// Stored JSON text back to a JSON value (NSNull when absent or unreadable).
    static func json(_ text: String?) -> Any {
        guard let text,
            let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else {
            return NSNull()
        }
        return value
    }

    static func model(_ model: ModelRecord) -> [String: Any] {
        [
            "id": model.id, "name": model.name, "format": model.format, "kind": model.kind,
            "sha256": model.sha256, "size": model.size, "createdAt": date(model.createdAt),
            "parentModelId": model.parentModelID ?? NSNull(), "sourceJobId": model.sourceJobID ?? NSNull(),
            "description": json(model.descriptionJSON),
            "links": ["self": "/v1/models/\(model.id)", "download": "/v1/models/\(model.id)/download"],
        ]
    }

    static func dataset(_ dataset: DatasetRecord) -> [String: Any] {
        [
            "id": dataset.id, "name": dataset.name, "dtype": dataset.dtype, "shape": dataset.shape,
            "sha256": dataset.sha256, "size": dataset.size, "createdAt": date(dataset.createdAt),
            "links": ["self": "/v1/datasets/\(dataset.id)", "download": "/v1/datasets/\(dataset.id)/download"],
        ]
    }

    static func problem(_ problem: Problem) -> [String: Any] {
        var object: [String: Any] = problem.extensions
        object["type"] = problem.type
        object["title"] = problem.title
        object["status"] = problem.status
        object["detail"] = problem.detail
        return object
    }

    static func job(_ job: JobRecord) -> [String: Any] {
        var progress: Any = NSNull()
        if let p = job.progress { progress = ["phase": p.phase, "done": p.done, "total": p.total] as [String: Any] }
        return [
            "id": job.id, "type": job.type, "state": job.state.rawValue,
            "params": json(job.paramsJSON), "progress": progress, "result": json(job.resultJSON),
            "error": job.problem.map { problem($0) } ?? NSNull(),
            "idempotencyKey": job.idempotencyKey ?? NSNull(), "cancelRequested": job.cancelRequested,
            "attempts": job.attempts, "createdAt": date(job.createdAt), "startedAt": date(job.startedAt),
            "finishedAt": date(job.finishedAt), "updatedAt": date(job.updatedAt),
            "links": ["self": "/v1/jobs/\(job.id)", "events": "/v1/jobs/\(job.id)/events"],
        ]
    }

    static func event(_ event: JobEvent) -> [String: Any] {
        ["id": event.id, "time": date(event.time), "kind": event.kind, "message": event.message]
    }

    static func page<T>(_ page: Page<T>, _ render: (T) -> [String: Any]) -> [String: Any] {
        ["items": page.items.map(render), "nextCursor": page.nextCursor ?? NSNull()]
    }
}
