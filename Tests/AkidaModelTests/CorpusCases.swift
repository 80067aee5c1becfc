// Corpus access for the Akida tests: every case with an akida_v2.json / akida_v1.json.
import AkidaFormats
import AkidaModel
import Foundation
import NumPyIO
import Tensors
import TestSupport

struct AkidaCase {
    let name: String
    let version: String  // "v2" or "v1"
    let directory: URL

    var label: String { "\(name)/\(version)" }
    func file(_ suffix: String) -> URL { directory.appendingPathComponent("akida_\(version)\(suffix)") }
    var jsonURL: URL { file(".json") }

    func jsonText() throws -> String { try String(contentsOf: jsonURL, encoding: .utf8) }
    func model() throws -> AkidaModel { try AkidaJSON.read(contentsOf: jsonURL) }

    /// The exact array fed to akida (meta.json akida_input_file).
    func inputs() throws -> NDArray {
        let meta = try Fixtures.meta(name)
        let file = meta["akida_input_file"] as? String ?? "inputs.npy"
        return try NPY.read(contentsOf: directory.appendingPathComponent(file))
    }

    func optionalArray(_ suffix: String) throws -> NDArray? {
        let url = file(suffix)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try NPY.read(contentsOf: url)
    }

    static func all() throws -> [AkidaCase] {
        try Fixtures.corpusCases().flatMap { name in
            ["v2", "v1"].compactMap { v -> AkidaCase? in
                let c = AkidaCase(name: name, version: v, directory: Fixtures.corpusCase(name))
                return FileManager.default.fileExists(atPath: c.jsonURL.path) ? c : nil
            }
        }
    }
}
