// Service: GET /v1/models/{id}/report — the model report, answered at once for small sample sets
// and otherwise (or with `Prefer: respond-async`) by a `report` job (202 + Location) whose result
// later requests return; both are
// found again by content (the job's idempotency key is the report's content key) — and the
// lineage object GET /v1/models/{id} shows (parent model, dataset, job).
import Engine
import Foundation
import HTTPServer
import JSON
import Jobs
import Persistence

/// Reports computed in the request, by content key (small: only small sample sets are computed so).
final class ReportCache {
    private let lock = NSLock()
    private var entries: [(key: String, body: [String: Any])] = []
    private let capacity = 8

    func body(_ key: String) -> [String: Any]? {
        lock.lock(); defer { lock.unlock() }
        return entries.first { $0.key == key }?.body
    }

    func store(_ key: String, _ body: [String: Any]) {
        lock.lock(); defer { lock.unlock() }
        entries.removeAll { $0.key == key }
        entries.append((key, body))
        if entries.count > capacity { entries.removeFirst() }
    }
}

extension Service {
    /// Sample sets up to this many input values are reported on in the request; larger ones by a job.
    static let synchronousReportValues = 1 << 18

    func registerReportRoutes() {
        let cache = ReportCache()
        router.add(
            .GET, "/v1/models/{id}/report",
            engineMapped { [unowned self] request in
                var params: [String: Any] = ["model_id": try model(request).id]
                // As for every query parameter: given empty or of the wrong type is 400, not absent.
                for key in ReportJob.keys where key != "model_id" {
                    guard let value = request.query[key] else { continue }
                    guard !value.isEmpty else { throw ServiceProblems.badQuery("\(key) must not be empty") }
                    if key == "max_samples" {
                        guard let number = Int(value) else {
                            throw ServiceProblems.badQuery("max_samples must be an integer, got '\(value)'")
                        }
                        params[key] = number
                    } else {
                        params[key] = value
                    }
                }
                let job = try ReportJob(try EngineJobs.resultJSON(params), environment)
                let key = job.contentKey
                if let existing = try store.job(idempotencyKey: key) { return try reportAnswer(existing) }
                if let body = cache.body(key) { return .json(object: body) }
                let preferAsync = (request.header("prefer") ?? "").lowercased().contains("respond-async")
                if !preferAsync && job.workSize <= Service.synchronousReportValues {
                    let body = try job.compute(environment)
                    cache.store(key, body)
                    return .json(object: body)
                }
                let submitted = try jobs.submit(
                    type: ReportJob.kind, paramsJSON: try EngineJobs.resultJSON(job.paramsObject), idempotencyKey: key)
                return reportAnswer(pending: submitted.job)
            })
    }

    /// A stored report job as the route's answer: its result, its error, or where to wait for it.
    func reportAnswer(_ job: JobRecord) throws -> Response {
        switch job.state {
        case .succeeded:
            guard let result = Representation.json(job.resultJSON) as? [String: Any] else {
                throw HTTPProblem(
                    status: 500, detail: "report job \(job.id) has no result", type: ServiceProblems.base + "internal")
            }
            return .json(object: result)
        case .failed:
            throw job.problem.map { ServiceProblems.http($0) }
                ?? HTTPProblem(
                    status: 500, detail: "report job \(job.id) failed", type: ServiceProblems.base + "internal")
        default:
            return reportAnswer(pending: job)
        }
    }

    func reportAnswer(pending job: JobRecord) -> Response {
        var response = Response.json(object: Representation.job(job), status: 202)
        response.setHeader("Location", "/v1/jobs/\(job.id)")
        return response
    }

    /// Where a model came from: its parent model, the dataset and the job that made it.
    func lineage(_ model: ModelRecord) throws -> [String: Any] {
        let job = try model.sourceJobID.flatMap { try store.job(id: $0) }
        let params = job.flatMap { try? JSONValue(parsing: $0.paramsJSON) }
        return [
            "parentModelId": model.parentModelID ?? NSNull(),
            "datasetId": params?["dataset_id"]?.string ?? NSNull(),
            "jobId": model.sourceJobID ?? NSNull(),
            "jobType": job?.type ?? NSNull(),
        ]
    }
}
