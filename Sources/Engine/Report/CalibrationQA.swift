// Engine: calibration QA — after a quantize or calibrate, how trustworthy the calibrated ranges are:
// how many samples were used and whether they were random (the reference silently falls back to
// 1024 random samples), and per calibrated layer how much its range moved between batches, whether
// a few outliers set it (range vs the 99.9th percentile), how many outputs exceed it, and advice.
// The float model is run again over the reference's calibration batches; Quantization is untouched.
import Foundation
import JSON
import KerasGraph
import Quantization
import Tensors

/// The QA of one calibrated layer (a layer with an output quantizer).
public struct LayerCalibrationQA: Sendable {
    public var name: String
    /// The float layer whose outputs were observed.
    public var floatLayer: String
    public var perAxis: Bool
    /// The calibrated range (largest channel), as the observer left it.
    public var range: Double
    /// Per batch: the largest |output|.
    public var batchMaxima: [Double]
    /// (max − min) / mean of the batch maxima.
    public var batchSpread: Double
    /// Mean over batches of the 99.9th percentile of |output|.
    public var percentile999: Double
    /// Share of outputs beyond their channel's calibrated range.
    public var clippedFraction: Double
}

public struct CalibrationQA: Sendable {
    public var samplesUsed: Int
    public var random: Bool
    public var batches: Int
    public var epochs: Int
    public var layers: [LayerCalibrationQA]
    public var advice: [String]

    /// Thresholds of the advice (documented in docs/api.md).
    static let outlierRatio = 4.0
    static let unstableSpread = 0.5
    static let clippedShare = 0.01
    static let fewSamples = 100

    /// Assesses the ranges of `quantized` (calibrated from `float` with `request`).
    public static func assess(
        float: FloatModel, quantized: QuantizedModel, request: CalibrationRequest
    ) throws
        -> CalibrationQA
    {
        let options = request.options
        guard let samples = options.samples else {
            let advice =
                "calibrated on \(options.numSamples) random samples (no dataset was given, the reference's silent "
                + "fallback): the ranges describe noise, not your data; calibrate with a few hundred real samples"
            return CalibrationQA(
                samplesUsed: options.numSamples, random: true, batches: 0, epochs: options.epochs, layers: [],
                advice: [advice])
        }
        if Calibrator.isStateful(float.graph) {
            // The reference calibrates a stateful model on the whole sample set cut into segments of
            // its timesteps (batch_size and num_samples do not apply), so there are no batches to compare.
            let advice =
                "a stateful model is calibrated segment by segment on all \(samples.shape.first ?? 0) samples "
                + "(batch_size and num_samples do not apply): per-layer range figures are not measured for it"
            return CalibrationQA(
                samplesUsed: samples.shape.first ?? 0, random: false, batches: 1, epochs: options.epochs, layers: [],
                advice: [advice])
        }
        let ranges = try Calibrator.batches(
            sampleCount: samples.shape.first ?? 0, numSamples: options.numSamples, batchSize: options.batchSize)
        let links = LayerAlignment.floatLinks(quantized: quantized, float: float.graph)
        let observed = quantized.layers.filter {
            $0.variable("output_quantizer/range_max") != nil
                && links[$0.name].map { float.layer(named: $0.layer) } != nil
        }
        var stats = [String: (maxima: [Double], percentiles: [Double], clipped: Int, count: Int)]()
        let capture = Set(observed.compactMap { links[$0.name]?.layer })
        for range in ranges {
            let batch = try float.prepareInputs([try BatchRows.slice(samples, range)])
            let captured = try float.forward(batch, capture: capture).captured
            for layer in observed {
                guard let link = links[layer.name], let x = captured[link.layer] else { continue }
                let limits = calibratedRange(layer)
                let magnitudes = x.scalars.map { Double(abs($0)) }
                var entry = stats[layer.name] ?? ([], [], 0, 0)
                entry.maxima.append(magnitudes.max() ?? 0)
                entry.percentiles.append(percentile(magnitudes, 0.999))
                entry.clipped += magnitudes.indices.filter { magnitudes[$0] > limits[$0 % limits.count] }.count
                entry.count += magnitudes.count
                stats[layer.name] = entry
            }
        }
        let layers = observed.compactMap { layer -> LayerCalibrationQA? in
            guard let entry = stats[layer.name], let link = links[layer.name] else { return nil }
            let mean = entry.maxima.reduce(0, +) / Double(max(entry.maxima.count, 1))
            let spread = mean > 0 ? ((entry.maxima.max() ?? 0) - (entry.maxima.min() ?? 0)) / mean : 0
            return LayerCalibrationQA(
                name: layer.name, floatLayer: link.layer,
                perAxis: QuantConfig(layer.quantConfig).outputQuantizer?.axis == "per-axis",
                range: calibratedRange(layer).max() ?? 0, batchMaxima: entry.maxima, batchSpread: spread,
                percentile999: entry.percentiles.reduce(0, +) / Double(max(entry.percentiles.count, 1)),
                clippedFraction: entry.count == 0 ? 0 : Double(entry.clipped) / Double(entry.count))
        }
        let used = ranges.reduce(0) { $0 + $1.count }
        return CalibrationQA(
            samplesUsed: used, random: false, batches: ranges.count, epochs: options.epochs, layers: layers,
            advice: advice(samplesUsed: used, layers: layers))
    }

    /// The observer's range per channel: `range_max`, divided back by the equalization's rescaling rate.
    static func calibratedRange(_ layer: QuantizedLayer) -> [Double] {
        let stored = layer.variable("output_quantizer/range_max")?.scalars.map(Double.init) ?? [0]
        guard let rate = layer.variable("output_quantizer/rescaling_rate")?.scalars, !rate.isEmpty else {
            return stored
        }
        let count = max(stored.count, rate.count)
        return (0..<count).map { c in
            let r = Double(rate[c % rate.count])
            return r > 0 ? stored[c % stored.count] / r : stored[c % stored.count]
        }
    }

    /// The `q` quantile of `values` (nearest rank).
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank - 1, 0), sorted.count - 1)]
    }

    static func advice(samplesUsed: Int, layers: [LayerCalibrationQA]) -> [String] {
        var advice: [String] = []
        if samplesUsed < fewSamples {
            advice.append(
                "only \(samplesUsed) samples were used: ranges from so few rarely hold for new data; calibrate with "
                    + "a few hundred (num_samples, or a larger dataset)")
        }
        for layer in layers {
            if layer.percentile999 > 0, layer.range / layer.percentile999 > outlierRatio {
                advice.append(
                    "layer \(layer.name)'s range (\(format(layer.range))) is set by fewer than 0.1% of its outputs "
                        + "(99.9% lie below \(format(layer.percentile999))); try more samples"
                        + (layer.perAxis ? "" : " or per-axis activations (per_tensor_activations: false)"))
            }
            if layer.batchSpread > unstableSpread {
                advice.append(
                    "layer \(layer.name)'s range moves by \(Int((layer.batchSpread * 100).rounded()))% between "
                        + "batches: use larger batches, more samples or more epochs")
            }
            if layer.clippedFraction > clippedShare {
                advice.append(
                    "\(format(layer.clippedFraction * 100))% of layer \(layer.name)'s outputs exceed its calibrated "
                        + "range and saturate: calibrate on more samples (or more epochs, the range is a moving "
                        + "maximum)")
            }
        }
        return advice
    }

    static func format(_ value: Double) -> String { String(format: "%.3g", value) }
}

extension CalibrationQA {
    public var json: JSONValue {
        .object([
            ("samples_used", .integer(Int64(samplesUsed))), ("random_samples", .bool(random)),
            ("batches", .integer(Int64(batches))), ("epochs", .integer(Int64(epochs))),
            ("layers", .array(layers.map(\.json))), ("advice", .array(advice.map(JSONValue.string))),
        ])
    }
}

extension LayerCalibrationQA {
    public var json: JSONValue {
        .object([
            ("name", .string(name)), ("float_layer", .string(floatLayer)), ("per_axis", .bool(perAxis)),
            ("range", number(range)), ("batch_maxima", .array(batchMaxima.map { number($0) })),
            ("batch_spread", number(batchSpread)), ("percentile_99_9", number(percentile999)),
            ("clipped_fraction", number(clippedFraction)),
        ])
    }
}
