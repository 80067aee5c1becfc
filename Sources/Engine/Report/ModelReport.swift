// Engine: the model report — one sample set run through the float, quantized and (optionally) Akida
// representations of a model, compared layer by layer: shapes, parameters, bit widths, the error
// each step adds, saturation, sparsity and histograms, with marks where a difference comes from a
// known silent behaviour of the reference toolchain rather than from quantization noise.
import AkidaModel
import Foundation
import KerasGraph
import Quantization
import Tensors

/// A known reference behaviour that explains (part of) a layer's error.
public struct ReportMark: Equatable, Sendable {
    /// Stable slug, e.g. `flatten-shift-dropped`.
    public var rule: String
    public var detail: String
}

/// One layer of the quantized model with its float and Akida counterparts.
public struct LayerReport: Sendable {
    public var name: String
    public var className: String
    public var floatLayer: String?
    public var foldedFloatLayers: [String]
    public var akidaLayer: String?
    /// Per-sample output shape of the quantized layer.
    public var outputShape: [Int]
    public var parameters: Int
    public var weightBits: Int?
    public var activationBits: Int?
    public var quantizedVsFloat: ErrorFigures?
    public var akidaVsQuantized: ErrorFigures?
    /// Share of integer outputs at the range ends (nil for float outputs).
    public var saturation: Double?
    public var sparsity: Double
    public var akidaSparsity: Double?
    public var weightHistogram: Histogram?
    public var activationHistogram: Histogram
    public var marks: [ReportMark]
}

public struct ModelReport: Sendable {
    public var samples: Int
    public var histogramBins: Int
    public var layers: [LayerReport]

    /// Compares the representations on `samples` (a batch of model inputs).
    public static func build(
        float: FloatModel, quantized: QuantizedModel, akida: AkidaModel?, samples: NDArray, histogramBins: Int = 16
    ) throws -> ModelReport {
        let floatLinks = LayerAlignment.floatLinks(quantized: quantized, float: float.graph)
        let capture = Set(floatLinks.values.map(\.layer)).filter { float.layer(named: $0) != nil }
        let floatOutputs = try float.forward(try float.prepareInputs([samples]), capture: capture).captured
        let quantizedOutputs = try QuantizedEngine(model: quantized).layerOutputs(samples)
        let shapes = quantizedOutputs.mapValues { Array($0.shape.dropFirst()) }
        var akidaOutputs: [String: AkidaTensor] = [:]
        var akidaLinks: [String: String] = [:]
        if let akida {
            let input = try LoadedModel.akida(akida).akidaInput(samples, shape: akida.inputShape)
            let run = try AkidaSimulator(model: akida).forwardAllLayers(input)
            akidaOutputs = Dictionary(run.layerOutputs.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
            akidaLinks = LayerAlignment.akidaLinks(quantized: quantized, akida: akida, shapes: shapes)
        }
        let akidaByQuantized = Dictionary(akidaLinks.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        let marks = ReportMarks.find(quantized: quantized, outputs: quantizedOutputs)
        var layers: [LayerReport] = []
        for layer in quantized.layers where layer.baseClassName != "InputLayer" {
            guard let output = quantizedOutputs[layer.name] else { continue }
            let value = LayerValues(output, input: layer.inputs.first.flatMap { quantizedOutputs[$0.layer] })
            let link = floatLinks[layer.name]
            var row = LayerReport(
                name: layer.name, className: layer.baseClassName, floatLayer: link?.layer,
                foldedFloatLayers: link?.folded ?? [], akidaLayer: akidaByQuantized[layer.name],
                outputShape: Array(output.shape.dropFirst()), parameters: parameterCount(layer),
                weightBits: weightBits(layer), activationBits: activationBits(layer, output),
                saturation: value.valueBits.map { ReportStatistics.saturatedFraction(value.payloads, valueBits: $0) },
                sparsity: ReportStatistics.zeroFraction(value.payloads),
                weightHistogram: weights(layer).map { ReportStatistics.histogram($0, bins: histogramBins) },
                activationHistogram: ReportStatistics.histogram(value.floats, bins: histogramBins),
                marks: marks[layer.name] ?? [])
            if let link, let reference = floatOutputs[link.layer] {
                if reference.scalars.count == value.floats.count {
                    row.quantizedVsFloat = ReportStatistics.compare(
                        value.floats, reference: reference.scalars, steps: value.steps)
                } else {
                    row.marks.append(
                        ReportMark(
                            rule: "shape-mismatch",
                            detail: "float layer '\(link.layer)' has \(reference.shape.dropFirst()) outputs, the "
                                + "quantized layer \(row.outputShape): not compared"))
                }
            }
            if let name = row.akidaLayer, let tensor = akidaOutputs[name], tensor.count == value.floats.count {
                row.akidaSparsity = tensor.zeroFraction
                row.akidaVsQuantized = akidaError(tensor, value)
            }
            layers.append(row)
        }
        return ModelReport(samples: samples.shape.first ?? 0, histogramBins: histogramBins, layers: layers)
    }

    /// Akida integers against the quantized integers (one step = one integer); Akida floats (a
    /// Dequantizer) against the dequantized values in the quantized layer's steps.
    static func akidaError(_ tensor: AkidaTensor, _ value: LayerValues) -> ErrorFigures {
        if tensor.dtype == .float32 || value.valueBits == nil {
            let floats = tensor.dtype == .float32 ? tensor.floats : tensor.integers.map(Float.init)
            return ReportStatistics.compare(floats, reference: value.floats, steps: value.steps)
        }
        return ReportStatistics.compare(tensor.integers.map(Float.init), reference: value.payloads, steps: [1])
    }

    static let kernelNames = ["kernel", "depthwise_kernel", "pointwise_kernel"]

    static func weights(_ layer: QuantizedLayer) -> [Float]? {
        let kernels = layer.variables.filter { kernelNames.contains($0.name) }
        return kernels.isEmpty ? nil : kernels.flatMap(\.value.scalars)
    }

    /// Trainable weights only: kernels and biases, not the calibration variables of quantizers.
    static func parameterCount(_ layer: QuantizedLayer) -> Int {
        layer.variables.filter { (kernelNames + ["bias"]).contains($0.name) }.reduce(0) { $0 + $1.value.scalars.count }
    }

    static func weightBits(_ layer: QuantizedLayer) -> Int? {
        guard weights(layer) != nil, let config = layer.quantConfig else { return nil }
        return QuantConfig(config).bitwidth("weight_quantizer")
    }

    /// The output quantizer's bit width, else the width of the integer outputs (with sign).
    static func activationBits(_ layer: QuantizedLayer, _ output: QValue) -> Int? {
        if let bits = QuantConfig(layer.quantConfig).outputQuantizer?.bitwidth { return bits }
        if case .quantized(let q) = output { return q.valueBits + 1 }
        return nil
    }
}

/// A quantized layer's output as the report reads it: integer payloads, float values and steps.
struct LayerValues {
    var payloads: [Float]
    var floats: [Float]
    var valueBits: Int?
    /// One quantization step per channel; for a float output computed from a quantized input of the
    /// same shape (a Dequantizer), the input's steps.
    var steps: [Double]?

    init(_ output: QValue, input: QValue?) {
        switch output {
        case .quantized(let q):
            payloads = q.values
            floats = q.dequantized()
            valueBits = q.valueBits
            steps = LayerValues.steps(q)
        case .float(let t), .raw(let t, _):
            payloads = t.scalars
            floats = t.scalars
            if case .quantized(let q)? = input, q.shape == t.shape { steps = LayerValues.steps(q) }
        }
    }

    static func steps(_ q: QTensor) -> [Double] {
        let channels = max(q.fracBits.values.count, q.scales?.values.count ?? 1)
        return (0..<channels).map { c in
            let fractional = Double(q.fracBits.values.count == 1 ? q.fracBits.values[0] : q.fracBits.values[c])
            let scale = q.scales.map { Double($0.values.count == 1 ? $0.values[0] : $0.values[c]) } ?? 1
            return scale / pow(2, fractional)
        }
    }
}
