// Service: the route table — /v1 models, datasets and jobs, operations endpoints and the status
// page. Every route here must appear in openapi.yaml (a test compares both).
import Foundation
import HTTPServer
import Jobs
import Persistence

extension Service {
    func registerRoutes() {
        router.guardRequest = { [unowned self] request in try self.authorize(request) }

        router.add(.GET, "/") { [unowned self] _ in
            Response(
                status: 200, headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-cache")],
                body: .bytes(statusPage))
        }
        router.add(.GET, "/healthz") { _ in .json(object: ["status": "ok"]) }
        router.add(.GET, "/readyz", mapped { [unowned self] _ in try readiness() })
        router.add(
            .GET, "/metrics",
            mapped { [unowned self] _ in
                .text(try prometheusText(), contentType: "text/plain; version=0.0.4; charset=utf-8")
            })

        let maxUpload = configuration.maxUploadBytes
        router.upload(.POST, "/v1/models", maxBytes: { maxUpload }) { [unowned self] request in
            do { return try beginModelUpload(request) } catch { throw ServiceProblems.http(error) }
        }
        router.add(
            .GET, "/v1/models",
            mapped { [unowned self] request in
                .json(object: Representation.page(try store.listModels(try pageRequest(request)), Representation.model))
            })
        router.add(
            .GET, "/v1/models/{id}",
            mapped { [unowned self] request in
                let model = try model(request)
                var object = Representation.model(model)
                object["lineage"] = try lineage(model)
                return .json(object: object)
            })
        router.add(
            .GET, "/v1/models/{id}/download", engineMapped { [unowned self] request in try modelDownload(request) })

        router.upload(.POST, "/v1/datasets", maxBytes: { maxUpload }) { [unowned self] request in
            do { return try beginDatasetUpload(request) } catch { throw ServiceProblems.http(error) }
        }
        router.add(
            .GET, "/v1/datasets",
            mapped { [unowned self] request in
                .json(
                    object: Representation.page(
                        try store.listDatasets(try pageRequest(request)), Representation.dataset))
            })
        router.add(
            .GET, "/v1/datasets/{id}",
            mapped { [unowned self] request in
                let dataset = try dataset(request)
                var object = Representation.dataset(dataset)
                object["arrays"] = DatasetMembers.json(try datasetMembers.members(of: dataset, in: blobs))
                return .json(object: object)
            })
        router.add(
            .GET, "/v1/datasets/{id}/download",
            mapped { [unowned self] request in
                let dataset = try dataset(request)
                return try download(
                    dataset.sha256, name: dataset.name, contentType: "application/octet-stream", request: request)
            })

        router.add(.GET, "/v1/job-types") { [unowned self] _ in
            .json(object: ["types": jobs.registeredTypes, "renamedParams": RenamedParams.json])
        }
        router.add(.POST, "/v1/jobs", mapped { [unowned self] request in try submitJob(request) })
        router.add(.GET, "/v1/jobs", mapped { [unowned self] request in try listJobs(request) })
        router.add(
            .GET, "/v1/jobs/{id}",
            mapped { [unowned self] request in
                .json(object: Representation.job(try job(request)))
            })
        router.add(
            .DELETE, "/v1/jobs/{id}",
            mapped { [unowned self] request in
                let id = try job(request).id
                let job = try jobs.cancel(id: id)
                return .json(object: Representation.job(job), status: job.state == .cancelled ? 200 : 202)
            })
        router.add(
            .GET, "/v1/jobs/{id}/events",
            mapped { [unowned self] request in
                let id = try job(request).id
                let after = try request.query["after"].map { text -> Int64 in
                    guard let value = Int64(text) else {
                        throw ServiceProblems.badQuery("after must be an event id (integer), got '\(text)'")
                    }
                    return value
                }
                let limit = try integer(request, "limit", default: 200, range: 1...1000)
                return .json(object: [
                    "items": try store.jobEvents(jobID: id, afterID: after, limit: limit).map(Representation.event)
                ])
            })
    }

    // MARK: - lookups

    func model(_ request: Request) throws -> ModelRecord {
        let id = try request.parameter("id")
        guard RecordID.isValid(id, prefix: RecordID.modelPrefix), let model = try store.model(id: id) else {
            throw ServiceProblems.notFound("model", id)
        }
        return model
    }

    func dataset(_ request: Request) throws -> DatasetRecord {
        let id = try request.parameter("id")
        guard RecordID.isValid(id, prefix: RecordID.datasetPrefix), let dataset = try store.dataset(id: id) else {
            throw ServiceProblems.notFound("dataset", id)
        }
        return dataset
    }

    func job(_ request: Request) throws -> JobRecord {
        let id = try request.parameter("id")
        guard RecordID.isValid(id, prefix: RecordID.jobPrefix), let job = try store.job(id: id) else {
            throw ServiceProblems.notFound("job", id)
        }
        return job
    }

    /// A stored blob as a download: its sha256 is the ETag (304, 206 and 416 per `Response.download`).
    func download(_ sha256: String, name: String, contentType: String, request: Request) throws -> Response {
        guard let url = blobs.url(for: sha256) else { throw BlobError.notFound(sha256: sha256) }
        return Response.download(
            url.path, size: try blobs.size(of: sha256), etag: sha256, contentType: contentType, downloadName: name,
            request: request)
    }

    func integer(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.query[name] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw ServiceProblems.badQuery(
                "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
    }

    func pageRequest(_ request: Request) throws -> PageRequest {
        PageRequest(
            limit: try integer(request, "limit", default: 50, range: 1...PageRequest.maxLimit),
            cursor: request.query["cursor"])
    }

    // MARK: - jobs

    /// The body of POST /v1/jobs: `{"type": "...", "params": {...}}`.
    static func parseSubmission(_ request: Request) throws -> (type: String, params: String) {
        func bad(_ detail: String) -> HTTPProblem {
            HTTPProblem(
                status: 400, title: "Malformed job request", detail: detail, type: ServiceProblems.base + "invalid-body"
            )
        }
        if let contentType = request.header("content-type"), !contentType.lowercased().hasPrefix("application/json") {
            throw HTTPProblem(status: 415, detail: "send the job as application/json, not \(contentType)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else {
            throw bad("the body must be a JSON object like {\"type\": \"checksum\", \"params\": {...}}")
        }
        if let unknown = object.keys.first(where: { $0 != "type" && $0 != "params" }) {
            throw bad("unknown member '\(unknown)'; a job request has only 'type' and 'params'")
        }
        guard let type = object["type"] as? String, !type.isEmpty else { throw bad("'type' (a string) is required") }
        let params = object["params"] ?? [String: Any]()
        guard params is [String: Any],
            let data = try? JSONSerialization.data(
                withJSONObject: params, options: [.sortedKeys, .withoutEscapingSlashes])
        else {
            throw bad("'params' must be a JSON object")
        }
        return (type, String(decoding: data, as: UTF8.self))
    }

    func submitJob(_ request: Request) throws -> Response {
        let (type, params) = try Service.parseSubmission(request)
        guard let kind = kind(type) else {
            throw JobError.unknownType(type, known: jobs.registeredTypes)
        }
        let key = request.header("idempotency-key")
        // A replayed key must not be re-validated (its model may be gone); submit returns the first job.
        let replay = try key.flatMap { try store.job(idempotencyKey: $0) }
        if replay == nil {
            try kind.validate?(params, environment)
        }
        let result = try jobs.submit(type: type, paramsJSON: params, idempotencyKey: key)
        var response = Response.json(object: Representation.job(result.job), status: 202)
        response.setHeader("Location", "/v1/jobs/\(result.job.id)")
        RenamedParams.annotate(&response, type: type, paramsJSON: params)
        if !result.created { response.setHeader("Idempotent-Replayed", "true") }
        return response
    }

    func listJobs(_ request: Request) throws -> Response {
        var filter = JobFilter()
        // An enum parameter given empty is invalid, not absent (the rule of every enum parameter).
        if let state = request.query["state"] {
            guard let parsed = JobState(rawValue: state) else {
                throw ServiceProblems.badQuery(
                    "state must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", ")), got '\(state)'")
            }
            filter.state = parsed
        }
        if let type = request.query["type"] {
            let known = jobs.registeredTypes
            guard known.contains(type) else {
                throw ServiceProblems.badQuery("type must be one of \(known.joined(separator: ", ")), got '\(type)'")
            }
            filter.type = type
        }
        return .json(
            object: Representation.page(try store.listJobs(filter, try pageRequest(request)), Representation.job))
    }
}
