// Service: model and dataset uploads — bodies stream into a BlobWriter (temp file + sha256), are
// checked before they become visible (model format by magic bytes, .npy/.npz headers), then
// committed atomically into the content-addressed blob store and recorded in the store.
import Engine
import Foundation
import HTTPServer
import Persistence

extension ModelFormat {
    var contentType: String {
        switch self {
        case .h5: return "application/x-hdf5"
        case .fbz: return "application/octet-stream"
        case .json: return "application/json"
        }
    }
}

/// Receives an upload into a BlobWriter; `checkHead` may refuse it as soon as the writer's head is
/// full (before the rest arrives), `complete` decides what the bytes are and records them.
final class BlobUploadSink: UploadSink {
    private let writer: BlobWriter
    private var checkHead: ((BlobWriter) throws -> Void)?
    private let complete: (BlobWriter, UploadedFile) throws -> Response

    init(
        writer: BlobWriter, checkHead: ((BlobWriter) throws -> Void)? = nil,
        complete: @escaping (BlobWriter, UploadedFile) throws -> Response
    ) {
        self.writer = writer
        self.checkHead = checkHead
        self.complete = complete
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        do { try writer.write(bytes) } catch { throw ServiceProblems.http(error) }
        if let check = checkHead, writer.head.count >= BlobWriter.headCapacity {
            checkHead = nil
            try check(writer)
        }
    }

    func finish(_ upload: UploadedFile) throws -> Response {
        do { return try complete(writer, upload) } catch {
            writer.abort()
            throw ServiceProblems.http(error)
        }
    }

    func abort() { writer.abort() }
}

/// The one rule for the names of models, datasets and the records jobs create.
enum NameRule {
    static let maxLength = 255

    /// Why `name` is not a valid name ("must be …"), nil when it is. Length counts Unicode scalars
    /// (as JSON Schema's maxLength does); no control character is allowed (a line break in a name
    /// would reach logs and headers).
    static func violation(_ name: String) -> String? {
        let valid =
            !name.isEmpty && name.unicodeScalars.count <= maxLength
            && !name.unicodeScalars.contains { $0.properties.generalCategory == .control }
        return valid ? nil : "must be 1-\(maxLength) characters on one line"
    }
}

extension Service {
    func uploadName(_ request: Request, _ upload: UploadedFile, fallback: String) throws -> String {
        let name = request.query["name"] ?? upload.fields["name"] ?? upload.filename ?? fallback
        if let broken = NameRule.violation(name) {
            throw HTTPProblem(
                status: 400, title: "Invalid name", detail: "a name \(broken)",
                type: ServiceProblems.base + "invalid-name",
                extra: ["limit": NameRule.maxLength])
        }
        return name
    }

    static func invalidUpload(_ title: String, _ detail: String) -> HTTPProblem {
        HTTPProblem(status: 422, title: title, detail: detail, type: ServiceProblems.base + "invalid-upload")
    }

    /// The format of a model upload from its first bytes; 422 (with the bytes received so far) when
    /// they are none of HDF5, .fbz, JSON. Runs once the head is full, so a wrong file stops early.
    static func modelFormat(_ writer: BlobWriter) throws -> ModelFormat {
        guard let format = ModelFormat.detect(writer.head) else {
            var problem = Service.invalidUpload(
                "Unrecognised model format",
                "expected a Keras HDF5 file (.h5, signature \\x89HDF\\r\\n\\x1a\\n), an Akida .fbz "
                    + "container or a JSON model; the first bytes are "
                    + "\(writer.head.prefix(8).map { String(format: "%02x", $0) }.joined())"
            )
            problem.extra["received"] = writer.bytesWritten
            throw problem
        }
        return format
    }

    func beginModelUpload(_ request: Request) throws -> UploadSink {
        let writer = try blobs.makeWriter(limit: Int64(configuration.maxUploadBytes))
        let checkHead: (BlobWriter) throws -> Void = { _ = try Service.modelFormat($0) }
        return BlobUploadSink(writer: writer, checkHead: checkHead) { [unowned self] writer, upload in
            guard writer.bytesWritten > 0 else {
                throw Service.invalidUpload("Empty model", "the uploaded file is empty")
            }
            let format = try Service.modelFormat(writer)
            let name = try uploadName(request, upload, fallback: "model.\(format.rawValue)")
            if format == .json { try Service.checkJSON(writer.temporaryURL) }
            guard let describe = describer(for: format) else {
                throw Service.invalidUpload(
                    "Unsupported model format", "this server reads no \(format.rawValue) models")
            }
            let description: ModelDescription
            do {
                let upload = ModelUpload(
                    file: writer.temporaryURL, format: format, name: name, size: writer.bytesWritten)
                description = try describe(upload)
            } catch {
                var problem = ServiceProblems.http(error)
                if problem.status >= 500 { problem.status = 422 }  // the file is what failed to parse
                throw problem
            }
            let ref = try writer.commit()
            let model = try store.insertModel(
                ModelRecord(
                    name: name, format: format.rawValue, kind: description.kind.rawValue,
                    sha256: ref.sha256, size: ref.size,
                    descriptionJSON: description.descriptionJSON))
            var response = Response.json(object: Representation.model(model), status: 201)
            response.setHeader("Location", "/v1/models/\(model.id)")
            return response
        }
    }

    static func checkJSON(_ url: URL) throws {
        guard let data = try? Data(contentsOf: url, options: .mappedIfSafe),
            (try? JSONSerialization.jsonObject(with: data)) is [String: Any]
        else {
            throw invalidUpload("Malformed JSON model", "the file starts like JSON but is not a valid JSON object")
        }
    }

    func beginDatasetUpload(_ request: Request) throws -> UploadSink {
        let writer = try blobs.makeWriter(limit: Int64(configuration.maxUploadBytes))
        return BlobUploadSink(writer: writer) { [unowned self] writer, upload in
            let summary = try TensorFiles.inspect(
                head: writer.head, file: writer.temporaryURL, size: writer.bytesWritten,
                maxInflatedBytes: configuration.maxNPZInflatedBytes, maxInflationRatio: configuration.maxNPZRatio)
            let name = try uploadName(request, upload, fallback: summary.isArchive ? "dataset.npz" : "dataset.npy")
            let ref = try writer.commit()
            let dataset = try store.insertDataset(
                DatasetRecord(
                    name: name, dtype: summary.dtype, shape: summary.shape,
                    sha256: ref.sha256, size: ref.size))
            datasetMembers.remember(dataset.sha256, summary.arrays)
            var object = Representation.dataset(dataset)
            object["arrays"] = DatasetMembers.json(summary.arrays)
            var response = Response.json(object: object, status: 201)
            response.setHeader("Location", "/v1/datasets/\(dataset.id)")
            return response
        }
    }
}
