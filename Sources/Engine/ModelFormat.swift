// Engine: the two words for "what is this model file". `ModelKind` says what the model is (float,
// quantized or Akida: what it can run and what can be done with it next); `ModelFormat` says how
// the file stores it, recognised from its first bytes. The service stores both raw values with
// each model.
import AkidaFormats
import Foundation

/// What kind of model a file holds.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// A float tf_keras model.
    case float
    /// A QuantizeML (or legacy CNN2SNN) quantized tf_keras model.
    case quantized
    /// An Akida model (Akida 2.0 or 1.0).
    case akida
}

/// The container format of a model file, recognised from its first bytes.
public enum ModelFormat: String, CaseIterable, Codable, Sendable {
    /// tf_keras legacy HDF5 (`model.save("m.h5")`), float or quantized.
    case h5
    /// SpikeForge's Akida model container (docs/fbz.md).
    case fbz
    /// An Akida model in akida's `model_to_json` schema.
    case json

    static let hdf5Magic: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
    static let jsonLeadingBytes: [UInt8] = [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF]

    /// The format of a file starting with `head`, or nil when it is none of the three. HDF5
    /// allows a user block, so its signature may also sit at 512, 1024, 2048 … bytes.
    public static func detect(_ head: [UInt8]) -> ModelFormat? {
        if FBZ.hasMagic(head) { return .fbz }
        var offset = 0
        while offset + hdf5Magic.count <= head.count {
            if head[offset..<(offset + hdf5Magic.count)].elementsEqual(hdf5Magic) { return .h5 }
            offset = offset == 0 ? 512 : offset * 2
        }
        if let first = head.first(where: { !jsonLeadingBytes.contains($0) }), first == UInt8(ascii: "{") {
            return .json
        }
        return nil
    }

    /// The format of the file at `url`, from its first bytes.
    public static func of(_ url: URL) throws -> ModelFormat {
        let handle = try FileHandle(forReadingFrom: url)
        let head = [UInt8](try handle.read(upToCount: 4096) ?? Data())
        try? handle.close()
        guard let format = detect(head) else {
            throw EngineError.unrecognisedFile(
                "\(url.lastPathComponent) is not a model file: expected a tf_keras .h5 (HDF5), a SpikeForge .fbz "
                    + "or an Akida JSON model")
        }
        return format
    }
}
