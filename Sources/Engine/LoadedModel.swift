// Engine: the one façade the CLI and the service share. It recognises a model file by its
// content (float or quantized tf_keras .h5, Akida .fbz or Akida JSON), loads it into the
// matching engine and runs, describes and summarises it — so both front ends dispatch by
// model kind in exactly one place.
import AkidaFormats
import AkidaModel
import Foundation
import KerasGraph
import KerasHDF5
import Quantization
import Tensors

/// What kind of model a file holds.
public enum ModelKind: String, Codable, Sendable {
    /// A float tf_keras model.
    case float
    /// A QuantizeML (or legacy CNN2SNN) quantized tf_keras model.
    case quantized
    /// An Akida model (Akida 2.0 or 1.0).
    case akida
}

/// The container format of a model file, recognised from its first bytes. The raw values are
/// what the service stores with each model.
public enum ModelFormat: String, CaseIterable, Codable, Sendable {
    /// tf_keras legacy HDF5 (`model.save("m.h5")`), float or quantized.
    case h5
    /// SpikeForge's Akida model container (docs/fbz.md).
    case fbz
    /// An Akida model in akida's `model_to_json` schema.
    case json

    static let hdf5Magic: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The format of a file starting with `head`, or nil when it is none of the three. HDF5
    /// allows a user block, so its signature may also sit at 512, 1024, 2048 … bytes.
    public static func detect(_ head: [UInt8]) -> ModelFormat? {
        if FBZ.hasMagic(head) { return .fbz }
        var offset = 0
        while offset + hdf5Magic.count <= head.count {
            if head[offset..<(offset + hdf5Magic.count)].elementsEqual(hdf5Magic) { return .h5 }
            offset = offset == 0 ? 512 : offset * 2
        }
        if let first = head.first(where: { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }), first == UInt8(ascii: "{") {
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
            throw EngineError.unrecognisedFile("\(url.lastPathComponent) is not a model file: expected a tf_keras .h5 (HDF5), a SpikeForge .fbz or an Akida JSON model")
        }
        return format
    }
}

public enum EngineError: Error, CustomStringConvertible, Equatable {
    case unrecognisedFile(String)
    case badInput(String)
    case wrongKind(String)

    public var description: String {
        switch self {
        case .unrecognisedFile(let s), .badInput(let s), .wrongKind(let s): return s
        }
    }
}

/// A model loaded and ready to run.
public enum LoadedModel {
    case float(FloatModel, file: KerasModelFile)
    case quantized(QuantizedModel)
    case akida(AkidaModel)

    public var kind: ModelKind {
        switch self {
        case .float: return .float
        case .quantized: return .quantized
        case .akida: return .akida
        }
    }

    /// Loads the model file at `url`, whatever its kind.
    public static func load(contentsOf url: URL) throws -> LoadedModel {
        switch try ModelFormat.of(url) {
        case .h5: return try keras(KerasH5.read(url))
        case .fbz: return .akida(try FBZ.read(contentsOf: url))
        case .json: return .akida(try AkidaJSON.read(contentsOf: url))
        }
    }

    /// Interprets a parsed tf_keras file: quantized when any layer is a quantization layer.
    public static func keras(_ file: KerasModelFile) throws -> LoadedModel {
        let graph = try LayerGraph(file: file)
        if graph.nodes.contains(where: { isQuantizedLayerClass($0.className) }) {
            return .quantized(try QuantizedModel(graph: graph))
        }
        return .float(try FloatModel(graph: graph), file: file)
    }

    /// QuantizeML layers are saved as `Custom>Quantized…` (plus its quantizer layers); legacy
    /// CNN2SNN ones as `QuantizedConv2D`, `ActivationDiscreteRelu`, … without the prefix.
    static func isQuantizedLayerClass(_ className: String) -> Bool {
        let base = className.split(separator: ">").last.map(String.init) ?? className
        return base.hasPrefix("Quantized") || base == "InputQuantizer" || base == "Dequantizer"
            || base.hasPrefix("ActivationDiscrete")
    }
}
