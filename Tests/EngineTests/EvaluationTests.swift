// Evaluation against the accuracies the reference recorded for digits_trained (meta.json
// `accuracy`: float, quantized, akida_v2 on the whole test split).
import Engine
import Foundation
import NumPyIO
import TestSupport
import XCTest

final class EvaluationTests: XCTestCase {
    func testDigitsAccuraciesEqualTheReference() throws {
        let accuracy = try XCTUnwrap(Fixtures.meta("digits_trained")["accuracy"] as? [String: Double])
        let x = try NPY.read(contentsOf: Fixtures.file("digits_trained", "inputs.npy"))
        let y = try NPY.read(contentsOf: Fixtures.file("digits_trained", "labels.npy"))
        for (file, key) in [("model.h5", "float"), ("quantized.h5", "quantized"), ("akida_v2.json", "akida_v2")] {
            let model = try LoadedModel.load(contentsOf: Fixtures.file("digits_trained", file))
            let score = try Evaluation.score(model, x: x, y: y, batchSize: 100)
            XCTAssertEqual(score.samples, 360)
            XCTAssertEqual(try XCTUnwrap(score.top1), try XCTUnwrap(accuracy[key]), accuracy: 1e-12, key)
            let confusion = try XCTUnwrap(score.confusion)
            XCTAssertEqual(confusion.flatMap { $0 }.reduce(0, +), 360)
            let diagonal = confusion.indices.map { confusion[$0][$0] }.reduce(0, +)
            XCTAssertEqual(Double(diagonal) / 360, score.top1!, accuracy: 1e-12)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(score.top5), score.top1!)
        }
    }

    /// Targets of the output's size: the quantized model scored against the float model's outputs
    /// gives the mean squared/absolute difference of quant_out.npy and float_out.npy.
    func testRegressionErrorsEqualThoseOfTheReferenceOutputs() throws {
        let x = try NPY.read(contentsOf: Fixtures.file("mlp", "inputs.npy"))
        let y = try NPY.read(contentsOf: Fixtures.file("mlp", "float_out.npy"))
        let quantized = try NPY.read(contentsOf: Fixtures.file("mlp", "quant_out.npy")).doubles()
        let differences = zip(quantized, y.doubles()).map { $0 - $1 }
        let model = try LoadedModel.load(contentsOf: Fixtures.file("mlp", "quantized.h5"))
        // Labels of the output's width are taken as targets even when they look like class indices.
        let score = try Evaluation.score(model, x: x, y: y)
        XCTAssertNil(score.top1)
        XCTAssertEqual(
            try XCTUnwrap(score.meanSquaredError), differences.map { $0 * $0 }.reduce(0, +) / Double(differences.count),
            accuracy: 1e-9)
        XCTAssertEqual(
            try XCTUnwrap(score.meanAbsoluteError), differences.map(abs).reduce(0, +) / Double(differences.count),
            accuracy: 1e-9)
    }

    func testTopFiveAndConfusionCounts() {
        // Class 2 ranks third in the first row: a top-1 miss, a top-5 hit.
        let scores = Evaluation.classification(
            kind: .float, outputs: [0.1, 0.9, 0.5, 0.7, 0, 0, 0.2, 0.3, 0, 0, 0, 0], width: 6, labels: [2, 1])
        XCTAssertEqual(scores.top1, 0.5)
        XCTAssertEqual(scores.top5, 1)
        XCTAssertEqual(scores.confusion?[2][1], 1)
        XCTAssertEqual(scores.confusion?[1][1], 1)
    }
}
