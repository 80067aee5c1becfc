// Engine: ModelDocument, a model file parsed far enough to describe and summarise it — the
// Keras- or akida-style summary text, or JSON — without compiling or running anything.
import AkidaFormats
import AkidaModel
import Foundation
import KerasGraph
import KerasHDF5

/// A model file parsed far enough to describe and summarise it (nothing is compiled or run).
public enum ModelDocument {
    case keras(LayerGraph, KerasGraph.ModelDescription)
    case akida(AkidaModel, ModelFormat)

    public static func read(contentsOf url: URL) throws -> ModelDocument {
        switch try ModelFormat.of(url) {
        case .h5: return try keras(KerasH5.read(url))
        case .fbz: return .akida(try FBZ.read(contentsOf: url), .fbz)
        case .json: return .akida(try AkidaJSON.read(contentsOf: url), .json)
        }
    }

    public static func keras(_ file: KerasModelFile) throws -> ModelDocument {
        let graph = try LayerGraph(file: file)
        return .keras(graph, try KerasGraph.ModelDescription(graph: graph))
    }

    public var info: ModelInfo {
        switch self {
        case .keras(_, let description): return ModelInfo(keras: description)
        case .akida(let model, let format): return ModelInfo(akida: model, format: format)
        }
    }

    /// tf_keras's `model.summary()` for Keras models, akida's `Model.summary()` for Akida ones.
    public var summaryText: String {
        switch self {
        case .keras(let graph, let description):
            return KerasSummary.text(graph: graph, description: description)
        case .akida(let model, _): return AkidaSummary(model: model).text
        }
    }

    /// The summary as JSON: the description for Keras models, akida's summary fields otherwise.
    public var summaryJSON: String {
        switch self {
        case .keras: return info.json
        case .akida(let model, _): return AkidaSummary(model: model).json
        }
    }
}

extension ModelDocument {
    /// Reads an Akida model (.fbz or Akida JSON, told apart by content), refusing any other file.
    public static func akida(contentsOf url: URL) throws -> ModelDocument {
        let model = try AkidaModelFile.load(contentsOf: url)
        return .akida(model, try ModelFormat.of(url) == .fbz ? .fbz : .json)
    }
}
