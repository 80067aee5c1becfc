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

public enum ReportStatistics {
    /// The error of `values` against `reference`; `steps` holds one quantization step per channel
    /// (the last axis, of length `steps.count`) or is nil when the values have none.
    public static func compare(_ values: [Float], reference: [Float], steps: [Double]?) -> ErrorFigures {
        precondition(values.count == reference.count, "compared arrays differ in length")
        var signal = 0.0, noise = 0.0, dot = 0.0, norm = 0.0, maxAbs = 0.0, sumAbs = 0.0
        var maxSteps = 0.0, sumSteps = 0.0
        let usable = steps.flatMap { $0.isEmpty || $0.contains(where: { !($0 > 0) }) ? nil : $0 }
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
        let n = Double(max(values.count, 1))
        return ErrorFigures(
            snrDB: noise > 0 ? 10 * log10(signal / noise) : nil, maxAbs: maxAbs, meanAbs: sumAbs / n,
            maxSteps: usable == nil ? nil : maxSteps, meanSteps: usable == nil ? nil : sumSteps / n,
            cosine: signal > 0 && norm > 0 ? dot / (signal.squareRoot() * norm.squareRoot()) : nil)
    }

    /// Share of values equal to zero.
    public static func zeroFraction(_ values: [Float]) -> Double {
        fraction(values) { $0 == 0 }
    }

    /// Share of integer payloads at the ends of the range [-2^valueBits, 2^valueBits − 1].
    public static func saturatedFraction(_ payloads: [Float], valueBits: Int) -> Double {
        let top = Float(sign: .plus, exponent: valueBits, significand: 1)
        return fraction(payloads) { $0 >= top - 1 || $0 <= -top }
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
