// Service: how errors from every layer become RFC 9457 problems with the right HTTP status.
import Foundation
import HTTPServer
import NumPyIO
import Persistence

enum ServiceProblems {
    static let base = JobQueue.problemTypeBase

    static func missingReference(_ what: String, _ id: String) -> Problem {
        Problem(type: base + "missing-reference", title: "Unknown \(what)", status: 422,
                detail: "\(what) '\(id)' does not exist; list them with GET /v1/\(what)s", extensions: [what: id])
    }

    static func notFound(_ what: String, _ id: String) -> HTTPProblem {
        HTTPProblem(status: 404, detail: "no \(what) with id '\(id)'", type: base + "not-found")
    }

    static func badQuery(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 400, title: "Invalid query parameter", detail: detail, type: base + "invalid-query")
    }

    /// The HTTP problem for any error a route handler throws.
    static func http(_ error: Error) -> HTTPProblem {
        switch error {
        case let problem as HTTPProblem:
            return problem
        case let problem as Problem:
            return http(problem)
        case let convertible as ProblemConvertible:
            return http(convertible.problem)
        case let convertible as HTTPProblemConvertible:
            return convertible.problem
        case let error as JobError:
            return http(error)
        case let error as BlobError:
            switch error {
            case .tooLarge(let limit):
                return HTTPProblem(status: 413, detail: error.description, type: base + "too-large", extra: ["limit": limit])
            case .notFound, .invalidDigest:
                return HTTPProblem(status: 404, detail: error.description, type: base + "not-found")
            case .writerClosed, .io:
                return HTTPProblem(status: 500, detail: error.description, type: base + "storage")
            }
        case let error as StoreError:
            if case .invalidCursor = error {
                return HTTPProblem(status: 400, title: "Invalid query parameter", detail: error.description, type: base + "invalid-query")
            }
            if case .conflict = error { return HTTPProblem(status: 409, detail: error.description, type: base + "conflict") }
            return HTTPProblem(status: 500, detail: error.description, type: base + "storage")
        case let error as NumPyError:
            return HTTPProblem(status: 422, title: "Invalid tensor file", detail: error.description, type: base + "invalid-tensor")
        case let error as NPZError:
            return HTTPProblem(status: 422, title: "Invalid tensor file", detail: error.description, type: base + "invalid-tensor")
        default:
            return HTTPProblem(status: 500, detail: "\(error)", type: base + "internal")
        }
    }

    static func http(_ problem: Problem) -> HTTPProblem {
        HTTPProblem(status: problem.status, title: problem.title, detail: problem.detail, type: problem.type,
                    extra: problem.extensions)
    }

    static func http(_ error: JobError) -> HTTPProblem {
        let (status, slug): (Int, String)
        switch error {
        case .unknownType: (status, slug) = (422, "unknown-job-type")
        case .invalidParams: (status, slug) = (422, "invalid-params")
        case .invalidIdempotencyKey: (status, slug) = (400, "invalid-idempotency-key")
        case .idempotencyKeyReused: (status, slug) = (422, "idempotency-key-reused")
        case .notFound: (status, slug) = (404, "not-found")
        case .alreadyFinished: (status, slug) = (409, "job-finished")
        case .shuttingDown: (status, slug) = (503, "shutting-down")
        }
        return HTTPProblem(status: status, detail: error.description, type: base + slug)
    }
}

/// Route handlers throw whatever their layer throws; this maps it to a problem response.
func mapped(_ handler: @escaping (Request) throws -> Response) -> (Request) throws -> Response {
    { request in
        do { return try handler(request) } catch { throw ServiceProblems.http(error) }
    }
}
