// Service: model and dataset uploads — bodies stream into a BlobWriter (temp file + sha256), are
// checked before they become visible (model format by magic bytes, .npy/.npz headers), then
// committed atomically into the content-addressed blob store and recorded in the store.
import Engine
import Foundation
import HTTPServer
import NumPyIO
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

/// Receives an upload into a BlobWriter; `complete` decides what the bytes are and records them.
final class BlobUploadSink: UploadSink {
    private let writer: BlobWriter
    private let complete: (BlobWriter, UploadedFile) throws -> Response

    init(writer: BlobWriter, complete: @escaping (BlobWriter, UploadedFile) throws -> Response) {
        self.writer = writer
        self.complete = complete
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        do { try writer.write(bytes) } catch { throw ServiceProblems.http(error) }
    }

    func finish(_ upload: UploadedFile) throws -> Response {
        do { return try complete(writer, upload) } catch {
            writer.abort()
            throw ServiceProblems.http(error)
        }
    }

    func abort() { writer.abort() }
}

extension Service {
    func uploadName(_ request: Request, _ upload: UploadedFile, fallback: String) throws -> String {
        let name = request.query["name"] ?? upload.fields["name"] ?? upload.filename ?? fallback
        guard !name.isEmpty, name.utf8.count <= 255, !name.contains(where: { $0.isNewline }) else {
            throw HTTPProblem(
                status: 400, title: "Invalid name", detail: "a name must be 1-255 characters on one line",
                type: ServiceProblems.base + "invalid-name")
        }
        return name
    }

    static func invalidUpload(_ title: String, _ detail: String) -> HTTPProblem {
        HTTPProblem(status: 422, title: title, detail: detail, type: ServiceProblems.base + "invalid-upload")
    }

    func beginModelUpload(_ request: Request) throws -> UploadSink {
        let writer = try blobs.makeWriter(limit: Int64(configuration.maxUploadBytes))
        return BlobUploadSink(writer: writer) { [unowned self] writer, upload in
            guard writer.bytesWritten > 0 else {
                throw Service.invalidUpload("Empty model", "the uploaded file is empty")
            }
            guard let format = ModelFormat.detect(writer.head) else {
                throw Service.invalidUpload(
                    "Unrecognised model format",
                    "expected a Keras HDF5 file (.h5, signature \\x89HDF\\r\\n\\x1a\\n), an Akida .fbz "
                        + "container or a JSON model; the first bytes are "
                        + "\(writer.head.prefix(8).map { String(format: "%02x", $0) }.joined())"
                )
            }
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
            let summary = try DatasetCheck.inspect(
                head: writer.head, file: writer.temporaryURL, size: writer.bytesWritten,
                maxBytes: configuration.maxUploadBytes)
            let name = try uploadName(request, upload, fallback: summary.isArchive ? "dataset.npz" : "dataset.npy")
            let ref = try writer.commit()
            let dataset = try store.insertDataset(
                DatasetRecord(
                    name: name, dtype: summary.dtype, shape: summary.shape,
                    sha256: ref.sha256, size: ref.size))
            var object = Representation.dataset(dataset)
            object["arrays"] = summary.arrays.map {
                ["name": $0.name, "dtype": $0.dtype, "shape": $0.shape] as [String: Any]
            }
            var response = Response.json(object: object, status: 201)
            response.setHeader("Location", "/v1/datasets/\(dataset.id)")
            return response
        }
    }
}

/// Validation of uploaded tensors: the header must describe exactly the bytes that follow.
enum DatasetCheck {
    struct Summary {
        var dtype: String
        var shape: [Int]
        var isArchive: Bool
        var arrays: [(name: String, dtype: String, shape: [Int])]
    }

    static let npyMagic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    static func invalid(_ detail: String) -> DatasetError { DatasetError(detail) }

    static func inspect(head: [UInt8], file: URL, size: Int64, maxBytes: Int) throws -> Summary {
        if head.starts(with: npyMagic) {
            var prefix = head
            if head.count >= 12, head.count < size {
                // A header longer than the writer's head: read up to the format's header limit.
                let handle = try FileHandle(forReadingFrom: file)
                defer { try? handle.close() }
                prefix = [UInt8](handle.readData(ofLength: 65_536 + 12))
            }
            let header = try NPY.parseHeader(prefix)
            let expected = Int64(header.dataOffset) + Int64(header.dataByteCount)
            guard size == expected else {
                let have = size - Int64(header.dataOffset)
                throw invalid(
                    size < expected
                        ? "malformed .npy: data is truncated: shape \(header.shape) of \(header.dtype.rawValue) "
                            + "needs \(header.dataByteCount) bytes, the file has \(have)"
                        : "malformed .npy: \(size - expected) unexpected bytes after the array data")
            }
            return Summary(
                dtype: header.dtype.rawValue, shape: header.shape, isArchive: false,
                arrays: [("array", header.dtype.rawValue, header.shape)])
        }
        if head.starts(with: zipMagic) {
            // NumPyIO decodes the archive in memory (bounded by the upload limit); members are
            // checked exactly as a later job would read them.
            let arrays = try NPZ.read(contentsOf: file, limits: NPZLimits(maxTotalBytes: maxBytes))
            guard let first = arrays.first else { throw invalid("the .npz archive holds no arrays") }
            return Summary(
                dtype: first.array.dtype.rawValue, shape: first.array.shape, isArchive: true,
                arrays: arrays.map { ($0.name, $0.array.dtype.rawValue, $0.array.shape) })
        }
        throw invalid(
            size == 0
                ? "the uploaded file is empty"
                : "not a NumPy file: expected .npy (starts with \\x93NUMPY) or .npz (a zip archive)")
    }
}
