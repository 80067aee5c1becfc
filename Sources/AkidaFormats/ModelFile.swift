// Loading and saving an Akida model by file kind: .fbz blobs (recognised by their magic) or akida JSON.
import AkidaModel
import Foundation

public enum AkidaModelFile {
    /// Reads a .fbz blob or an akida JSON file (detected from the content, not the extension).
    public static func load(contentsOf url: URL, limits: FBZLimits = .default) throws -> AkidaModel {
        try decode([UInt8](Data(contentsOf: url)), limits: limits)
    }

    /// Decodes bytes holding a .fbz blob or akida JSON text.
    public static func decode(_ bytes: [UInt8], limits: FBZLimits = .default) throws -> AkidaModel {
        if FBZ.hasMagic(bytes) { return try FBZ.decode(bytes, limits: limits) }
        let first = bytes.first { ![0x20, 0x0a, 0x0d, 0x09].contains($0) }
        guard first == UInt8(ascii: "{") else {
            throw AkidaFormatError.invalidBlob(
                "neither a .fbz blob nor akida JSON (the file starts with neither the .fbz magic nor '{')")
        }
        return try AkidaJSON.decode(bytes: bytes)
    }

    /// Writes akida JSON when the path ends in ".json", a .fbz blob otherwise.
    public static func save(_ model: AkidaModel, to url: URL) throws {
        if url.pathExtension.lowercased() == "json" {
            try AkidaJSON.write(model, to: url)
        } else {
            try FBZ.write(model, to: url)
        }
    }
}
