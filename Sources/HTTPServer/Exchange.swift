// HTTPServer: the life of one request between its headers and its response — body buffering
// with a cap, upload streaming (raw or multipart) into an UploadSink, and handler dispatch.
// Independent of libmicrohttpd: Server.swift feeds it headers, chunks and the end of the body.
import Foundation

final class Exchange {
    let started = DispatchTime.now().uptimeNanoseconds
    private(set) var request: Request
    private let entry: Router.Entry?
    /// A response decided before the body was read (404, 405, 401, 413 by Content-Length…).
    var earlyResponse: Response?
    private var failure: HTTPProblem?
    private var buffered: [UInt8] = []
    private var bufferLimit = 0
    private var upload: UploadStream?
    /// Bytes thrown away after a failure; past `drainLimit` the connection is dropped without an
    /// answer. libmicrohttpd 0.9.x cannot answer before the body ends, so a body whose declared
    /// length passed the early checks is read to its end to deliver the 400/413; a chunked body
    /// of unknown length is cut off after 64 MiB.
    private var drained = 0
    private var drainLimit = 64 << 20
    var status = 0
    var bytesSent = 0
    var finished = false

    init(
        method: String, path: String, headers: [String: String], query: [String: String],
        router: Router, limits: ServerOptions
    ) {
        request = Request(method: method, path: path, headers: headers, query: query)
        if let oversized = Exchange.oversized(request, limits) {
            entry = nil
            earlyResponse = oversized.response(instance: String(path.prefix(256)))
            return
        }
        switch router.resolve(method: method, path: path) {
        case .notFound:
            entry = nil
            earlyResponse = HTTPProblem(status: 404, detail: "no route for \(path)").response(instance: path)
        case .methodNotAllowed(let allowed):
            entry = nil
            let allow = allowed.joined(separator: ", ")
            earlyResponse = HTTPProblem(
                status: 405, detail: "\(method) is not allowed on \(path); allowed: \(allow)",
                extra: ["allowed": allowed], headers: [("Allow", allow)]
            ).response(instance: path)
        case .matched(let matched, let parameters):
            entry = matched
            request.pathParameters = parameters
            request.route = matched.pattern
            prepare(router: router, defaultBodyLimit: limits.maxBodyBytes)
        }
    }

    /// 414 for a request target longer than `maxURLBytes`, 431 for a header block larger than
    /// `maxHeaderBytes` (sizes as sent, less the decoding libmicrohttpd did).
    static func oversized(_ request: Request, _ limits: ServerOptions) -> HTTPProblem? {
        let target =
            request.path.utf8.count + request.query.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 2 }
        if target > limits.maxURLBytes {
            return HTTPProblem(
                status: 414, detail: "the request target is \(target) bytes; the limit is \(limits.maxURLBytes)",
                extra: ["limit": limits.maxURLBytes])
        }
        let headers = request.headers.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 4 }
        if headers > limits.maxHeaderBytes {
            return HTTPProblem(
                status: 431,
                detail: "the request headers are \(headers) bytes; the limit is \(limits.maxHeaderBytes)",
                extra: ["limit": limits.maxHeaderBytes])
        }
        return nil
    }

    private func prepare(router: Router, defaultBodyLimit: Int) {
        guard let entry else { return }
        do {
            try router.guardRequest?(request)
            let declared = request.header("content-length").flatMap { Int($0) }
            drainLimit = max(drainLimit, declared ?? 0)
            switch entry.handler {
            case .buffered(let maxBody, _):
                bufferLimit = maxBody ?? defaultBodyLimit
                if let declared, declared > bufferLimit { throw Exchange.tooLarge(bufferLimit, entry.tooLargeAdvice) }
            case .upload(let maxBytes, let begin):
                let limit = maxBytes()
                let boundary = try request.header("content-type").flatMap {
                    try MultipartParser.boundary(contentType: $0)
                }
                // Multipart framing adds a little to the file's size; allow for it in the early check.
                let allowance = boundary == nil ? 0 : 64 * 1024
                if let declared, declared > limit + allowance { throw Exchange.tooLarge(limit) }
                let sink = try begin(request)
                upload = try UploadStream(sink: sink, limit: limit, boundary: boundary)
            }
        } catch {
            earlyResponse = Exchange.problem(for: error).response(instance: request.path)
        }
    }

    static func tooLarge(_ limit: Int, _ advice: String? = nil) -> HTTPProblem {
        HTTPProblem(
            status: 413,
            detail: "the request body exceeds the limit of \(limit) bytes" + (advice.map { "; " + $0 } ?? ""),
            extra: ["limit": limit])
    }

    static func problem(for error: Error) -> HTTPProblem {
        switch error {
        case let problem as HTTPProblem: return problem
        case let convertible as HTTPProblemConvertible: return convertible.problem
        case let multipart as MultipartError:
            return HTTPProblem(status: 400, title: "Malformed multipart body", detail: multipart.message)
        default: return HTTPProblem(status: 500, detail: "\(error)")
        }
    }

    /// One chunk of the request body. Returns false when the connection should be dropped.
    func consume(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if failure != nil {
            drained += chunk.count
            return drained <= drainLimit
        }
        if let upload {
            do {
                try upload.feed(chunk)
            } catch {
                fail(error)
            }
        } else if buffered.count + chunk.count > bufferLimit {
            fail(Exchange.tooLarge(bufferLimit, entry?.tooLargeAdvice))
        } else {
            buffered.append(contentsOf: chunk)
        }
        return true
    }

    private func fail(_ error: Error) {
        failure = Exchange.problem(for: error)
        upload?.abort()
        upload = nil
        buffered = []
    }

    /// The body is complete: run the handler (or report the failure seen while reading).
    func respond() -> Response {
        if let failure { return failure.response(instance: request.path) }
        guard let entry else { return HTTPProblem(status: 404, detail: "no route for \(request.path)").response() }
        do {
            switch entry.handler {
            case .buffered(_, let handler):
                request.body = buffered
                buffered = []
                return try handler(request)
            case .upload:
                guard let upload else { return HTTPProblem(status: 500, detail: "upload stream missing").response() }
                self.upload = nil
                return try upload.finish()
            }
        } catch {
            return Exchange.problem(for: error).response(instance: request.path)
        }
    }

    /// The connection ended (normally or not): an unfinished upload releases its temp file.
    func close() {
        upload?.abort()
        upload = nil
    }
}

/// Forwards an upload body to its sink: raw, or the file part of a multipart body.
final class UploadStream {
    private let sink: UploadSink
    private let limit: Int
    private var parser: MultipartParser?
    private var size = 0
    private var fields: [String: String] = [:]
    private var fieldBytes = 0
    private var currentField: (name: String, bytes: [UInt8])?
    private var inFilePart = false
    private var filePart: MultipartPart?
    private var aborted = false
    private static let maxFieldBytes = 64 * 1024

    init(sink: UploadSink, limit: Int, boundary: String?) throws {
        self.sink = sink
        self.limit = limit
        if let boundary { parser = try MultipartParser(boundary: boundary) }
    }

    func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard var parser else { return try write(chunk) }
        defer { self.parser = parser }
        try parser.feed(chunk) { event in
            switch event {
            case .partBegin(let part):
                if part.filename != nil || part.name == "file" {
                    guard filePart == nil else {
                        throw MultipartError(message: "more than one file part; send exactly one")
                    }
                    filePart = part
                    inFilePart = true
                } else {
                    currentField = (part.name ?? "", [])
                }
            case .data(let bytes):
                if inFilePart {
                    try write(bytes)
                } else if currentField != nil {
                    fieldBytes += bytes.count
                    guard fieldBytes <= UploadStream.maxFieldBytes else {
                        throw HTTPProblem(status: 413, detail: "form fields exceed \(UploadStream.maxFieldBytes) bytes")
                    }
                    currentField!.bytes.append(contentsOf: bytes)
                }
            case .partEnd:
                if let field = currentField { fields[field.name] = String(decoding: field.bytes, as: UTF8.self) }
                currentField = nil
                inFilePart = false
            }
        }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        size += bytes.count
        if size > limit { throw Exchange.tooLarge(limit) }
        try sink.write(bytes)
    }

    func finish() throws -> Response {
        do {
            if let parser {
                try parser.finish()
                guard filePart != nil else {
                    throw MultipartError(
                        message: "no file part (send the file as a part named 'file', e.g. curl -F file=@model.h5)")
                }
            }
            return try sink.finish(
                UploadedFile(
                    filename: filePart?.filename, contentType: filePart?.contentType,
                    size: size, fields: fields))
        } catch {
            abort()
            throw error
        }
    }

    func abort() {
        guard !aborted else { return }
        aborted = true
        sink.abort()
    }
}
