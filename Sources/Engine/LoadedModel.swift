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

/// A model loaded and ready to run.
public enum LoadedModel {
    case float(FloatModel, file: KerasModelFile)
    case quantized(QuantizedModel)
    /// An Akida model and its simulator session (which keeps a stateful model's state).
    case akida(AkidaModel, AkidaSession)

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
        case .fbz: return akida(try FBZ.read(contentsOf: url))
        case .json: return akida(try AkidaJSON.read(contentsOf: url))
        }
    }

    /// An Akida model with a fresh simulator session.
    public static func akida(_ model: AkidaModel) -> LoadedModel { .akida(model, AkidaSession(model: model)) }

    /// Interprets a parsed tf_keras file: quantized when any layer is a quantization layer.
    public static func keras(_ file: KerasModelFile) throws -> LoadedModel {
        let graph = try LayerGraph(file: file)
        if graph.isQuantized { return .quantized(try QuantizedModel(graph: graph)) }
        return .float(try FloatModel(graph: graph), file: file)
    }
}
