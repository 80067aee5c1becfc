// TestSupport: the one corpus loader of every test target — locating the fixtures copied from
// ../shared/corpus into Tests/Fixtures, a case's files (as URLs or bytes), its meta.json, and the
// cases that have a given file.
import Foundation

public enum Fixtures {
    /// Tests/Fixtures, found from this file's location so any test target can use it.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// Tests/Fixtures/corpus: a copy of the reference corpus (see its README.md).
    public static let corpus: URL = root.appendingPathComponent("corpus")

    /// Directory of one corpus case.
    public static func corpusCase(_ name: String) -> URL { corpus.appendingPathComponent(name) }

    /// A file of one corpus case.
    public static func file(_ caseName: String, _ name: String) -> URL {
        corpusCase(caseName).appendingPathComponent(name)
    }

    /// The bytes of a file of one corpus case.
    public static func bytes(_ caseName: String, _ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: file(caseName, name)))
    }

    /// True when the case has the file.
    public static func has(_ caseName: String, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: file(caseName, name).path)
    }

    /// Names of every case in the corpus, from index.json.
    public static func corpusCases() throws -> [String] {
        let data = try Data(contentsOf: corpus.appendingPathComponent("index.json"))
        let entries = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return entries.compactMap { $0["case"] as? String }
    }

    /// meta.json of a case, as a dictionary.
    public static func meta(_ caseName: String) throws -> [String: Any] {
        let data = try Data(contentsOf: corpusCase(caseName).appendingPathComponent("meta.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}
