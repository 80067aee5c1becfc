// Engine: what quantize/calibrate and convert produce, with the ways to save them — a quantized
// .h5 that quantizeml loads; an Akida .fbz (or Akida JSON) — and the description the service stores.
import AkidaFormats
import AkidaModel
import Foundation
import KerasHDF5
import Quantization

/// What quantize and calibrate produce.
public struct QuantizeOutcome {
    public var model: QuantizedModel
    public var warnings: [String]
    /// Sanitizing steps that could not apply (SpikeForge's own notes: the reference skips them
    /// silently, so they are kept apart from its warnings).
    public var notes: [String]
    public var fullyQuantized: Bool
    public var info: ModelInfo
    /// How trustworthy the calibrated ranges are (samples, stability, outliers, clipping, advice).
    public var calibrationQA: CalibrationQA

    /// Writes the model as a tf_keras .h5 that quantizeml loads, with `provenance` as a root attribute.
    public func save(to url: URL, provenance: Provenance? = nil) throws {
        let attributes = provenance.map { [(KerasH5.provenanceAttribute, $0.json.serialized())] } ?? []
        try KerasH5.write(model.kerasModelFile(), to: url, rootAttributes: attributes)
    }
}

/// What a conversion produces.
public struct ConvertOutcome {
    public var model: AkidaModel
    /// The converter's warnings, as the reference prints them.
    public var warnings: [String]

    public var info: ModelInfo { ModelInfo(akida: model, format: .fbz) }

    /// The model as a .fbz container; with `provenance`, in its metadata section (format version 2).
    public func fbz(provenance: Provenance? = nil) throws -> [UInt8] {
        try FBZ.encode(model, metadata: provenance.map { .object([("provenance", $0.json)]) })
    }

    /// Writes Akida JSON when the path ends in ".json", a .fbz container otherwise.
    public func save(to url: URL) throws { try AkidaModelFile.save(model, to: url) }

    /// Writes the model as Akida JSON (akida.model_from_json loads it).
    public func saveJSON(to url: URL) throws { try AkidaJSON.write(model, to: url) }
}
