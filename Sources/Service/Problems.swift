// Service: how errors from every layer become RFC 9457 problems with the right HTTP status. Any
// `UserFacingError` goes through one mapper (`problem(_:)`), so a synchronous route and a job that
// fail for the same reason carry the same type, title, status, detail, layer, rule and fix.
import Diagnostics
import Foundation
import HTTPServer
import Jobs
import Persistence

enum ServiceProblems {
    static let base = Problem.typeBase

    /// The problem of a user-facing error: its type slug, title and message, the status of its
    /// type, and the layer, rule and fix when it names them.
    static func problem(_ error: UserFacingError) -> Problem {
        var extensions: [String: String] = [:]
        if let layer = error.layer { extensions["layer"] = layer }
        if let rule = error.rule { extensions["rule"] = rule }
        if let fix = error.fix { extensions["fix"] = fix }
        return Problem(
            type: base + error.problemType.rawValue, title: error.title, status: status(error.problemType),
            detail: error.description, extensions: extensions)
    }

    /// A wrong model kind is a conflict with the model's state; every other user-facing problem is
    /// content the server understood but cannot process.
    static func status(_ type: ProblemType) -> Int {
        switch type {
        case .wrongModelKind: return 409
        default: return 422
        }
    }

    /// An engine error that does not say which problem it is: the model or input could not be used.
    static func engineFailure(_ error: Error) -> Problem {
        Problem(type: base + "engine", title: "The model cannot process this request", status: 422, detail: "\(error)")
    }

    /// The problem a job fails with when the engine throws `error`.
    static func job(_ error: Error) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case let convertible as ProblemConvertible: return convertible.problem
        case let error as UserFacingError: return problem(error)
        default: return engineFailure(error)
        }
    }

    static func missingReference(_ what: String, _ id: String) -> Problem {
        Problem(
            type: base + "missing-reference", title: "Unknown \(what)", status: 422,
            detail: "\(what) '\(id)' does not exist; list them with GET /v1/\(what)s", extensions: [what: id])
    }

    static func notFound(_ what: String, _ id: String) -> HTTPProblem {
        HTTPProblem(status: 404, detail: "no \(what) with id '\(id)'", type: base + "not-found")
    }

    static func badQuery(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 400, title: "Invalid query parameter", detail: detail, type: base + "invalid-query")
    }

    /// The HTTP problem for any error a route handler throws. An error of no known type is a
    /// server fault (500), except behind engine routes, where it is the engine refusing the request.
    static func http(_ error: Error, engine: Bool = false) -> HTTPProblem {
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
            return http(error)
        case let error as StoreError:
            if case .invalidCursor = error {
                return HTTPProblem(
                    status: 400, title: "Invalid query parameter", detail: error.description,
                    type: base + "invalid-query")
            }
            if case .conflict = error {
                return HTTPProblem(status: 409, detail: error.description, type: base + "conflict")
            }
            if case .unavailable = error {
                return HTTPProblem(status: 503, detail: error.description, type: base + "store-unavailable")
            }
            return HTTPProblem(status: 500, detail: error.description, type: base + "storage")
        case let error as UserFacingError:
            return http(problem(error))
        default:
            if engine { return http(engineFailure(error)) }
            return HTTPProblem(status: 500, detail: "\(error)", type: base + "internal")
        }
    }

    static func http(_ problem: Problem) -> HTTPProblem {
        HTTPProblem(
            status: problem.status, title: problem.title, detail: problem.detail, type: problem.type,
            extra: problem.extensions)
    }

    static func http(_ error: BlobError) -> HTTPProblem {
        switch error {
        case .tooLarge(let limit):
            return HTTPProblem(
                status: 413, detail: error.description, type: base + "too-large", extra: ["limit": limit])
        case .notFound, .invalidDigest:
            return HTTPProblem(status: 404, detail: error.description, type: base + "not-found")
        case .writerClosed, .io:
            return HTTPProblem(status: 500, detail: error.description, type: base + "storage")
        }
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

/// Route handlers over the engine: an engine error of no known type is the request's fault (422).
func engineMapped(_ handler: @escaping (Request) throws -> Response) -> (Request) throws -> Response {
    { request in
        do { return try handler(request) } catch { throw ServiceProblems.http(error, engine: true) }
    }
}
