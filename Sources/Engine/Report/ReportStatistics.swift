// Engine: the numbers of the model report as small pure functions over flat value arrays — the error
// of one representation against another (SNR in dB, absolute error in output steps, cosine
// similarity), the share of values at the integer range ends or at zero, and fixed-bin histograms.
import Foundation

/// How far `values` lie from `reference` (same length, channels last).
public struct ErrorFigures: Equatable, Sendable {
    /// 10·log10(Σ reference² / Σ (values − reference)²); nil when both are identical (no noise).
    public var snrDB: Double?
    public var maxAbs: Double
    public var meanAbs: Double
    /// The absolute errors divided by the quantization step of each value's channel; nil without steps.
    public var maxSteps: Double?
    public var meanSteps: Double?
    /// nil when either side is all zeros.
    public var cosine: Double?
}

/// Counts of values in `bins` equal-width bins over [lower, upper] (the last bin includes upper).
public struct Histogram: Equatable, Sendable {
    public var lower: Double
    public var upper: Double
    public var counts: [Int]
}

/// Sums from which `ErrorFigures` are computed, added batch by batch.
public struct ErrorAccumulator: Sendable {
    var signal = 0.0, noise = 0.0, dot = 0.0, norm = 0.0, maxAbs = 0.0, sumAbs = 0.0
    var maxSteps = 0.0, sumSteps = 0.0, count = 0
    var hasSteps = true

    public init() {}

    /// Adds `values` against `reference` (same length, channels last); `steps` holds one
    /// quantization step per channel (the last axis, of length `steps.count`), or is nil.
    public mutating func add(_ values: [Float], reference: [Float], steps: [Double]?) {
        precondition(values.count == reference.count, "compared arrays differ in length")
        let usable = steps.flatMap { $0.isEmpty || $0.contains(where: { !($0 > 0) }) ? nil : $0 }
        if usable == nil { hasSteps = false }
        for i in values.indices {
            let v = Double(values[i]), r = Double(reference[i])
            let difference = abs(v - r)
            signal += r * r
            noise += difference * difference
            dot += v * r
            norm += v * v
            maxAbs = max(maxAbs, difference)
            sumAbs += difference
            if let usable {
                let inSteps = difference / usable[i % usable.count]
                maxSteps = max(maxSteps, inSteps)
                sumSteps += inSteps
            }
        }
        count += values.count
    }

    public var figures: ErrorFigures {
        let n = Double(max(count, 1))
        return ErrorFigures(
            snrDB: noise > 0 ? 10 * log10(signal / noise) : nil, maxAbs: maxAbs, meanAbs: sumAbs / n,
            maxSteps: hasSteps ? maxSteps : nil, meanSteps: hasSteps ? sumSteps / n : nil,
            cosine: signal > 0 && norm > 0 ? dot / (signal.squareRoot() * norm.squareRoot()) : nil)
    }
}

public enum ReportStatistics {
    /// The error of `values` against `reference` in one go (see `ErrorAccumulator.add`).
    public static func compare(_ values: [Float], reference: [Float], steps: [Double]?) -> ErrorFigures {
        var accumulator = ErrorAccumulator()
        accumulator.add(values, reference: reference, steps: steps)
        return accumulator.figures
    }

    /// Share of values equal to zero.
    public static func zeroFraction(_ values: [Float]) -> Double {
        fraction(values) { $0 == 0 }
    }

    /// Share of integer payloads at the ends of the range [-2^valueBits, 2^valueBits − 1].
    public static func saturatedFraction(_ payloads: [Float], valueBits: Int) -> Double {
        payloads.isEmpty ? 0 : Double(saturatedCount(payloads, valueBits: valueBits)) / Double(payloads.count)
    }

    public static func saturatedCount(_ payloads: [Float], valueBits: Int) -> Int {
        let top = Float(sign: .plus, exponent: valueBits, significand: 1)
        return payloads.lazy.filter { $0 >= top - 1 || $0 <= -top }.count
    }

    public static func fraction(_ values: [Float], where predicate: (Float) -> Bool) -> Double {
        values.isEmpty ? 0 : Double(values.lazy.filter(predicate).count) / Double(values.count)
    }

    /// A histogram over the values' own range (one full bin when all values are equal).
    public static func histogram(_ values: [Float], bins: Int) -> Histogram {
        let finite = values.filter(\.isFinite)
        guard bins > 0, let lo = finite.min(), let hi = finite.max() else {
            return Histogram(lower: 0, upper: 0, counts: Array(repeating: 0, count: max(bins, 0)))
        }
        var counts = [Int](repeating: 0, count: bins)
        let width = (Double(hi) - Double(lo)) / Double(bins)
        for v in finite {
            let bin = width > 0 ? Int((Double(v) - Double(lo)) / width) : 0
            counts[min(max(bin, 0), bins - 1)] += 1
        }
        return Histogram(lower: Double(lo), upper: Double(hi), counts: counts)
    }
}
