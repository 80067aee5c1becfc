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

    /// Samples run at once: every layer's outputs of one batch are held in memory together.
    static let batchSize = 32
    /// Activation histograms are drawn from at most this many values per layer (evenly strided).
    static let histogramValues = 100_000

    /// Compares the representations on `samples` (a batch of model inputs), run in batches.
    public static func build(
        float: FloatModel, quantized: QuantizedModel, akida: AkidaModel?, samples: NDArray, histogramBins: Int = 16
    ) throws -> ModelReport {
        let rows = samples.shape.first ?? 0
        guard rows > 0 else { throw DatasetError("the report needs at least one sample") }
        let floatLinks = LayerAlignment.floatLinks(quantized: quantized, float: float.graph)
        let capture = Set(floatLinks.values.map(\.layer)).filter { float.layer(named: $0) != nil }
        let engine = try QuantizedEngine(model: quantized)
        let simulator = try akida.map { try AkidaSimulator(model: $0) }
        let rates = equalizationRates(quantized)
        var accumulators: [String: LayerAccumulator] = [:]
        var akidaByQuantized: [String: String] = [:]
        var marks: [String: [ReportMark]] = [:]
        for start in stride(from: 0, to: rows, by: batchSize) {
            let batch = try BatchRows.slice(samples, start..<min(rows, start + batchSize))
            let floatOutputs = try float.forward(try float.prepareInputs([batch]), capture: capture).captured
            let quantizedOutputs = try engine.layerOutputs(batch)
            var akidaOutputs: [String: AkidaTensor] = [:]
            if let akida, let simulator {
                let run = try simulator.forwardAllLayers(
                    try LoadedModel.akida(akida).akidaInput(batch, shape: akida.inputShape))
                akidaOutputs = Dictionary(
                    run.layerOutputs.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
            }
            if start == 0 {
                let shapes = quantizedOutputs.mapValues { Array($0.shape.dropFirst()) }
                let links =
                    akida.map { LayerAlignment.akidaLinks(quantized: quantized, akida: $0, shapes: shapes) } ?? [:]
                akidaByQuantized = Dictionary(links.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
                marks = ReportMarks.find(quantized: quantized, outputs: quantizedOutputs)
            }
            for layer in quantized.layers where layer.baseClassName != "InputLayer" {
                guard let output = quantizedOutputs[layer.name] else { continue }
                let value = LayerValues(output, input: layer.inputs.first.flatMap { quantizedOutputs[$0.layer] })
                let perSample = output.shape.dropFirst().reduce(1, *)
                var accumulator =
                    accumulators[layer.name]
                    ?? LayerAccumulator(
                        stride: max(1, perSample * rows / histogramValues), bits: activationBits(layer, output))
                accumulator.add(value)
                if let link = floatLinks[layer.name], let reference = floatOutputs[link.layer] {
                    accumulator.addFloat(
                        value.descaled(by: rates[layer.name]), reference.scalars,
                        shape: Array(reference.shape.dropFirst()))
                }
                if let name = akidaByQuantized[layer.name], let tensor = akidaOutputs[name],
                    tensor.count == value.floats.count
                {
                    accumulator.addAkida(tensor, value)
                }
                accumulators[layer.name] = accumulator
            }
        }
        var layers: [LayerReport] = []
        for layer in quantized.layers {
            guard let accumulator = accumulators[layer.name] else { continue }
            let link = floatLinks[layer.name]
            var rowMarks = marks[layer.name] ?? []
            if rates[layer.name] != nil, link != nil {
                rowMarks.append(
                    ReportMark(
                        rule: "equalized",
                        detail: "cross-layer equalization scales these outputs per channel by the output quantizer's "
                            + "rescaling_rate (the next weight layer's kernel is divided by it): compared with the "
                            + "float layer after dividing by that rate"))
            }
            if let mismatch = accumulator.floatShape, let link {
                rowMarks.append(
                    ReportMark(
                        rule: "shape-mismatch",
                        detail: "float layer '\(link.layer)' has \(mismatch) outputs, the quantized layer "
                            + "\(accumulator.outputShape): not compared"))
            }
            layers.append(
                LayerReport(
                    name: layer.name, className: layer.baseClassName, floatLayer: link?.layer,
                    foldedFloatLayers: link?.folded ?? [], akidaLayer: akidaByQuantized[layer.name],
                    outputShape: accumulator.outputShape, parameters: parameterCount(layer),
                    weightBits: weightBits(layer), activationBits: accumulator.bits,
                    quantizedVsFloat: accumulator.floatError?.figures,
                    akidaVsQuantized: accumulator.akidaError?.figures,
                    saturation: accumulator.saturation, sparsity: accumulator.sparsity,
                    akidaSparsity: accumulator.akidaSparsity,
                    weightHistogram: weights(layer).map { ReportStatistics.histogram($0, bins: histogramBins) },
                    activationHistogram: ReportStatistics.histogram(accumulator.histogramSample, bins: histogramBins),
                    marks: rowMarks))
        }
        return ModelReport(samples: rows, histogramBins: histogramBins, layers: layers)
    }

    /// Per layer, the per-channel factor cross-layer equalization put into its outputs: its own
    /// `output_quantizer/rescaling_rate`, carried through single-input layers without weights (a
    /// Flatten, a pooling) until a weight layer absorbs it.
    static func equalizationRates(_ quantized: QuantizedModel) -> [String: [Double]] {
        var rates: [String: [Double]] = [:]
        for layer in quantized.layers {
            if let rate = layer.variable("output_quantizer/rescaling_rate")?.scalars, !rate.isEmpty {
                rates[layer.name] = rate.map(Double.init)
            } else if weights(layer) == nil, layer.baseClassName != "Dequantizer", layer.inputs.count == 1,
                let inherited = rates[layer.inputs[0].layer]
            {
                rates[layer.name] = inherited
            }
        }
        return rates
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

/// One layer's figures, summed over the batches.
struct LayerAccumulator {
    /// Every `stride`-th output value goes into the histogram sample.
    let stride: Int
    let bits: Int?
    var outputShape: [Int] = []
    var count = 0, zeros = 0, saturated = 0, valueBits: Int?
    var akidaCount = 0, akidaZeros = 0
    var floatError: ErrorAccumulator?, akidaError: ErrorAccumulator?
    /// The float layer's per-sample shape when it cannot be compared.
    var floatShape: [Int]?
    var histogramSample: [Float] = []

    init(stride: Int, bits: Int?) {
        self.stride = stride
        self.bits = bits
    }

    mutating func add(_ value: LayerValues) {
        outputShape = value.shape
        valueBits = value.valueBits
        for (i, v) in value.floats.enumerated() where (count + i) % stride == 0 { histogramSample.append(v) }
        count += value.payloads.count
        zeros += value.payloads.lazy.filter { $0 == 0 }.count
        if let bits = value.valueBits { saturated += ReportStatistics.saturatedCount(value.payloads, valueBits: bits) }
    }

    mutating func addFloat(_ value: LayerValues, _ reference: [Float], shape: [Int]) {
        guard reference.count == value.floats.count else {
            floatShape = shape
            return
        }
        var error = floatError ?? ErrorAccumulator()
        error.add(value.floats, reference: reference, steps: value.steps)
        floatError = error
    }

    /// Akida integers against the quantized integers (one step = one integer); Akida floats (a
    /// Dequantizer) against the dequantized values in the quantized layer's steps.
    mutating func addAkida(_ tensor: AkidaTensor, _ value: LayerValues) {
        var error = akidaError ?? ErrorAccumulator()
        if tensor.dtype == .float32 || value.valueBits == nil {
            let floats = tensor.dtype == .float32 ? tensor.floats : tensor.integers.map(Float.init)
            error.add(floats, reference: value.floats, steps: value.steps)
        } else {
            error.add(tensor.integers.map(Float.init), reference: value.payloads, steps: [1])
        }
        akidaError = error
        akidaCount += tensor.count
        akidaZeros +=
            tensor.dtype == .float32
            ? tensor.floats.lazy.filter { $0 == 0 }.count : tensor.integers.lazy.filter { $0 == 0 }.count
    }

    var sparsity: Double { count == 0 ? 0 : Double(zeros) / Double(count) }
    var saturation: Double? { valueBits == nil || count == 0 ? nil : Double(saturated) / Double(count) }
    var akidaSparsity: Double? { akidaCount == 0 ? nil : Double(akidaZeros) / Double(akidaCount) }
}

/// A quantized layer's output as the report reads it: integer payloads, float values and steps.
struct LayerValues {
    /// Per-sample shape.
    var shape: [Int]
    var payloads: [Float]
    var floats: [Float]
    var valueBits: Int?
    /// One quantization step per channel; for a float output computed from a quantized input of the
    /// same shape (a Dequantizer), the input's steps.
    var steps: [Double]?

    init(_ output: QValue, input: QValue?) {
        shape = Array(output.shape.dropFirst())
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

    /// The values (and steps) divided by a per-channel equalization rate (channel = index modulo
    /// the rate count, which also holds after a Flatten); unchanged without a rate.
    func descaled(by rate: [Double]?) -> LayerValues {
        guard let rate, !rate.isEmpty else { return self }
        var copy = self
        copy.floats = floats.indices.map { Float(Double(floats[$0]) / rate[$0 % rate.count]) }
        if let steps {
            if steps.count == 1 {
                copy.steps = rate.map { steps[0] / $0 }
            } else if steps.count == rate.count {
                copy.steps = zip(steps, rate).map { $0 / $1 }
            } else {
                copy.steps = nil
            }
        }
        return copy
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
