// Engine: the model report from model files (the entry point of the CLI and the service) and its
// JSON form (the body of GET /v1/models/{id}/report; field names in openapi.yaml).
import AkidaModel
import Foundation
import JSON
import Tensors

extension ModelReport {
    /// Loads the three representations and reports on the first `maxSamples` rows of `samples`.
    public static func build(
        floatAt float: URL, quantizedAt quantized: URL, akidaAt akida: URL?, samples: NDArray, maxSamples: Int = 512,
        histogramBins: Int = 16
    ) throws -> ModelReport {
        guard case .float(let floatModel, _) = try LoadedModel.load(contentsOf: float) else {
            throw EngineError.wrongKind("the report needs the float model the quantized model came from")
        }
        let akidaModel = try akida.map { url -> AkidaModel in
            guard case .akida(let model, _) = try LoadedModel.load(contentsOf: url) else {
                throw EngineError.wrongKind("the report's Akida model is not an Akida model")
            }
            return model
        }
        let rows = samples.shape.first ?? 0
        let batch = rows > maxSamples ? try BatchRows.slice(samples, 0..<maxSamples) : samples
        return try build(
            float: floatModel, quantized: try ModelOperations.quantizedModel(at: quantized), akida: akidaModel,
            samples: batch, histogramBins: histogramBins)
    }

    /// Layers by quantized-vs-float SNR, lowest first (layers without a float comparison left out).
    public func worstLayers(_ count: Int = 3) -> [LayerReport] {
        let compared = layers.filter { $0.quantizedVsFloat?.snrDB != nil }
        return Array(compared.sorted { $0.quantizedVsFloat!.snrDB! < $1.quantizedVsFloat!.snrDB! }.prefix(count))
    }

    public var json: JSONValue {
        .object([
            ("samples", .integer(Int64(samples))),
            ("histogram_bins", .integer(Int64(histogramBins))),
            ("worst_layers", .array(worstLayers().map { .string($0.name) })),
            ("layers", .array(layers.map(\.json))),
        ])
    }
}

extension LayerReport {
    public var json: JSONValue {
        func string(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        func integer(_ value: Int?) -> JSONValue { value.map { .integer(Int64($0)) } ?? .null }
        let marks: [JSONValue] = self.marks.map {
            .object([("rule", .string($0.rule)), ("detail", .string($0.detail))])
        }
        var pairs: [(String, JSONValue)] = [("name", .string(name)), ("class_name", .string(className))]
        pairs.append(("float_layer", string(floatLayer)))
        pairs.append(("folded_float_layers", .array(foldedFloatLayers.map(JSONValue.string))))
        pairs.append(("akida_layer", string(akidaLayer)))
        pairs.append(("output_shape", .array(outputShape.map { .integer(Int64($0)) })))
        pairs.append(("parameters", integer(parameters)))
        pairs.append(("weight_bits", integer(weightBits)))
        pairs.append(("activation_bits", integer(activationBits)))
        pairs.append(("quantized_vs_float", quantizedVsFloat?.json ?? .null))
        pairs.append(("akida_vs_quantized", akidaVsQuantized?.json ?? .null))
        pairs.append(("saturation", number(saturation)))
        pairs.append(("sparsity", number(sparsity)))
        pairs.append(("akida_sparsity", number(akidaSparsity)))
        pairs.append(("weight_histogram", weightHistogram?.json ?? .null))
        pairs.append(("activation_histogram", activationHistogram.json))
        pairs.append(("marks", .array(marks)))
        return .object(pairs)
    }
}

extension ErrorFigures {
    public var json: JSONValue {
        .object([
            ("snr_db", number(snrDB)), ("max_abs", number(maxAbs)), ("mean_abs", number(meanAbs)),
            ("max_steps", number(maxSteps)), ("mean_steps", number(meanSteps)), ("cosine", number(cosine)),
        ])
    }
}

extension Histogram {
    public var json: JSONValue {
        .object([
            ("lower", number(lower)), ("upper", number(upper)),
            ("counts", .array(counts.map { .integer(Int64($0)) })),
        ])
    }
}

/// A finite number as a JSON float, anything else (absent, NaN, infinite) as null.
func number(_ value: Double?) -> JSONValue {
    guard let value, value.isFinite else { return .null }
    return .float(value)
}
