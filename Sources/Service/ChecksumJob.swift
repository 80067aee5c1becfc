// Service: the built-in `checksum` job — re-reads a stored model's or dataset's blob, recomputes its
// sha256 and fails when the bytes on disk no longer match their name (bit rot, a bad disk, a
// hand-edited data directory). An optional rate limit keeps background scrubs from starving uploads.
import Foundation
import JSON
import Jobs
import Persistence

enum ChecksumJob {
    static let kind = "checksum"
    static let chunk = 1 << 20

    struct Parameters {
        var sha256: String
        var subject: String
        /// MiB per second; nil = as fast as the disk allows.
        var maxMiBPerSecond: Double?
    }

    static func register(on service: Service) {
        service.register(
            kind: kind, validate: { params, environment in _ = try parse(params, environment) },
            handler: { context, environment in try run(context, environment) })
    }

    static func invalid(_ detail: String) -> Problem {
        Problem(
            type: ServiceProblems.base + "invalid-params", title: "Invalid checksum parameters", status: 422,
            detail: detail)
    }

    /// params: exactly one of {"model_id": id}, {"dataset_id": id}; optional "max_mib_per_second" > 0.
    /// The deprecated spellings model, dataset and maxMiBPerSecond are read as these (`RenamedParams`).
    static func parse(_ paramsJSON: String, _ environment: JobEnvironment) throws -> Parameters {
        guard let given = (try? JSONSerialization.jsonObject(with: Data(paramsJSON.utf8))) as? [String: Any] else {
            throw invalid("params must be a JSON object")
        }
        let object = try RenamedParams.normalized(type: kind, given, invalid: invalid)
        if let unknown = object.keys.first(where: { !["model_id", "dataset_id", "max_mib_per_second"].contains($0) }) {
            throw invalid(
                "unknown parameter '\(unknown)'; checksum takes 'model_id' or 'dataset_id' and optionally "
                    + "'max_mib_per_second'")
        }
        var rate: Double?
        if let value = object["max_mib_per_second"] {
            guard let number = value as? NSNumber, !isJSONBoolean(value), number.doubleValue > 0 else {
                throw invalid("max_mib_per_second must be a positive number")
            }
            rate = number.doubleValue
        }
        switch (object["model_id"], object["dataset_id"]) {
        case (let id as String, nil):
            return Parameters(sha256: try environment.model(id).sha256, subject: "model \(id)", maxMiBPerSecond: rate)
        case (nil, let id as String):
            return Parameters(
                sha256: try environment.dataset(id).sha256, subject: "dataset \(id)", maxMiBPerSecond: rate)
        default:
            throw invalid("give exactly one of 'model_id' or 'dataset_id' (an id string)")
        }
    }

    static func run(_ context: JobContext, _ environment: JobEnvironment) throws -> String {
        let parameters = try parse(context.paramsJSON, environment)
        let handle = try environment.blobs.openForReading(parameters.sha256)
        defer { try? handle.close() }
        let size = try environment.blobs.size(of: parameters.sha256)
        let totalMiB = Int((size + Int64(chunk) - 1) / Int64(chunk))
        var hasher = SHA256()
        var done = 0
        let started = Date()
        try context.progress(phase: "hashing", done: 0, total: totalMiB)
        while true {
            let data = handle.readData(ofLength: chunk)
            if data.isEmpty { break }
            data.withUnsafeBytes { hasher.update($0) }
            done += 1
            try context.progress(phase: "hashing", done: done, total: totalMiB)
            if let rate = parameters.maxMiBPerSecond {
                try pace(until: started.addingTimeInterval(Double(done) / rate), context)
            }
        }
        let digest = hasher.finalize()
        guard digest == parameters.sha256 else {
            throw Problem(
                type: ServiceProblems.base + "blob-corrupt", title: "Stored bytes are corrupt", status: 500,
                detail:
                    "\(parameters.subject): the blob stored as sha256 \(parameters.sha256) now hashes to "
                    + "\(digest); restore it from a backup or upload it again",
                extensions: ["expected": parameters.sha256, "actual": digest])
        }
        let result: [String: Any] = ["sha256": digest, "size": size, "intact": true, "subject": parameters.subject]
        return JSONText.canonical(try JSONValue(foundation: result))
    }

    /// Waits until `deadline`, checking for cancel or shutdown at least every 50 ms.
    static func pace(until deadline: Date, _ context: JobContext) throws {
        while true {
            try context.checkpoint()
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return }
            usleep(UInt32(min(remaining, 0.05) * 1e6))
        }
    }
}
