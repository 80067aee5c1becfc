// Service: job parameters renamed to the one convention (snake_case; a reference to a record is
// `<record>_id`). The old spellings are accepted for one release: a submission that uses one is
// answered with `Deprecation` (RFC 9745) and a `Link` to GET /v1/job-types, which lists the renames.
import Foundation
import HTTPServer

enum RenamedParams {
    /// Old name → new name, per job type.
    static let byType: [String: [(old: String, new: String)]] = [
        "checksum": [("model", "model_id"), ("dataset", "dataset_id"), ("maxMiBPerSecond", "max_mib_per_second")]
    ]
    /// When the old names were deprecated (2026-12-05T00:00:00Z), for the `Deprecation` header.
    static let deprecatedSince = 1_796_428_800

    /// The renames as GET /v1/job-types lists them: {type: {old: new}}.
    static var json: [String: [String: String]] {
        byType.mapValues { Dictionary(uniqueKeysWithValues: $0.map { ($0.old, $0.new) }) }
    }

    /// The renames `object` (a job's params) still uses.
    static func used(type: String, in object: [String: Any]) -> [(old: String, new: String)] {
        (byType[type] ?? []).filter { object[$0.old] != nil }
    }

    /// `object` with every old name replaced by its new one; 422 when both spellings are given.
    static func normalized(type: String, _ object: [String: Any], invalid: (String) -> Error) throws -> [String: Any] {
        var result = object
        for rename in used(type: type, in: object) {
            guard object[rename.new] == nil else {
                throw invalid("give '\(rename.new)' only; '\(rename.old)' is its deprecated spelling")
            }
            result[rename.new] = result.removeValue(forKey: rename.old)
        }
        return result
    }

    /// Marks `response` deprecated when the submitted params used an old name.
    static func annotate(_ response: inout Response, type: String, paramsJSON: String) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(paramsJSON.utf8))) as? [String: Any]
        else { return }
        let renames = used(type: type, in: object)
        guard !renames.isEmpty else { return }
        response.setHeader("Deprecation", "@\(deprecatedSince)")
        let note = renames.map { "\($0.old) is now \($0.new)" }.joined(separator: ", ")
        response.setHeader("Link", "</v1/job-types>; rel=\"deprecation\"; title=\"\(note)\"")
    }
}
