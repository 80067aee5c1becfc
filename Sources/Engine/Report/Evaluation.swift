// Engine: accuracy on labelled data for each representation of a model (float, quantized, Akida):
// top-1 and top-5 accuracy with a confusion matrix when the labels are class indices, mean squared
// and mean absolute error when they are targets of the output's shape.
import Foundation
import JSON
import Tensors

/// How one representation did on the labelled samples.
public struct RepresentationScore: Sendable {
    public var kind: ModelKind
    public var samples: Int
    /// Classifiers: share of samples whose label is the top output / among the top five.
    public var top1: Double?
    public var top5: Double?
    /// Classifiers: counts[label][predicted].
    public var confusion: [[Int]]?
    /// Regression: errors against targets of the output's size.
    public var meanSquaredError: Double?
    public var meanAbsoluteError: Double?
}

public enum Evaluation {
    /// Runs `model` on `x` in batches of `batchSize` and scores its outputs against `y`.
    /// `progress(done, total)` returns false to stop.
    public static func score(
        _ model: LoadedModel, x: NDArray, y: NDArray, batchSize: Int = 256,
        progress: (Int, Int) -> Bool = { _, _ in true }
    ) throws -> RepresentationScore {
        let rows = x.shape.first ?? 0
        guard (y.shape.first ?? -1) == rows else {
            throw DatasetError("the labels hold \(y.shape.first ?? 0) rows, the inputs \(rows): they must match")
        }
        var outputs: [Float] = []
        var start = 0
        while start < rows {
            let end = min(rows, start + batchSize)
            let result = try model.predict([try BatchRows.slice(x, start..<end)])
            outputs += result.outputs[0].array.floats().scalars
            start = end
            guard progress(start, rows) else { throw EngineError.badInput("evaluation cancelled") }
        }
        let width = rows == 0 ? 0 : outputs.count / rows
        let targets = y.doubles()
        if targets.count == rows, width > 1, targets.allSatisfy({ $0 == $0.rounded() && $0 >= 0 && $0 < Double(width) })
        {
            return classification(kind: model.kind, outputs: outputs, width: width, labels: targets.map { Int($0) })
        }
        guard targets.count == outputs.count else {
            throw DatasetError(
                "the labels are neither class indices below \(width) (one per row) nor targets of the output's "
                    + "size (\(width) per row): got \(targets.count / max(rows, 1)) value(s) per row")
        }
        let errors = zip(outputs, targets).map { Double($0) - $1 }
        let n = Double(max(errors.count, 1))
        return RepresentationScore(
            kind: model.kind, samples: rows, meanSquaredError: errors.map { $0 * $0 }.reduce(0, +) / n,
            meanAbsoluteError: errors.map(abs).reduce(0, +) / n)
    }

    /// Top-1/top-5 and the confusion matrix of row-wise class scores. Ties rank the lower index first
    /// (numpy's argmax).
    public static func classification(
        kind: ModelKind, outputs: [Float], width: Int, labels: [Int]
    )
        -> RepresentationScore
    {
        var top1 = 0, top5 = 0
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: width), count: width)
        for (row, label) in labels.enumerated() {
            let scores = outputs[(row * width)..<((row + 1) * width)]
            let ranked = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
                .map { $0 - row * width }
            if ranked[0] == label { top1 += 1 }
            if ranked.prefix(5).contains(label) { top5 += 1 }
            confusion[label][ranked[0]] += 1
        }
        let n = Double(max(labels.count, 1))
        return RepresentationScore(
            kind: kind, samples: labels.count, top1: Double(top1) / n, top5: width > 5 ? Double(top5) / n : nil,
            confusion: confusion)
    }
}

extension RepresentationScore {
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("kind", .string(kind.rawValue)), ("samples", .integer(Int64(samples)))]
        if let top1 { pairs.append(("top1", number(top1))) }
        if let top5 { pairs.append(("top5", number(top5))) }
        if let confusion {
            pairs.append(("confusion", .array(confusion.map { .array($0.map { .integer(Int64($0)) }) })))
        }
        if let meanSquaredError { pairs.append(("mse", number(meanSquaredError))) }
        if let meanAbsoluteError { pairs.append(("mae", number(meanAbsoluteError))) }
        return .object(pairs)
    }
}
