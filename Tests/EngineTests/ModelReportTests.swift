// The model report against figures computed here, independently, from the reference's own outputs
// in the corpus (float_out.npy, quant_out.npy, akida_v2_out.npy, quant_layers.npz,
// akida_v2_layers.npz): SpikeForge reproduces those outputs, so its report must give their numbers.
import Engine
import Foundation
import KerasGraph
import KerasHDF5
import NumPyIO
import Tensors
import TestSupport
import XCTest

final class ModelReportTests: XCTestCase {
    let caseName = "digits_trained"

    func report(rows: Int?) throws -> ModelReport {
        var inputs = try NPY.read(contentsOf: Fixtures.file(caseName, "inputs.npy"))
        if let rows { inputs = try BatchRows.slice(inputs, 0..<rows) }
        return try ModelReport.build(
            floatAt: Fixtures.file(caseName, "model.h5"), quantizedAt: Fixtures.file(caseName, "quantized.h5"),
            akidaAt: Fixtures.file(caseName, "akida_v2.json"), samples: inputs, maxSamples: 1000)
    }

    func floats(_ file: String) throws -> [Double] {
        try NPY.read(contentsOf: Fixtures.file(caseName, file)).doubles()
    }

    func npz(_ file: String) throws -> [String: [Double]] {
        Dictionary(
            try NPZ.read(contentsOf: Fixtures.file(caseName, file)).map { ($0.name, $0.array.doubles()) },
            uniquingKeysWith: { a, _ in a })
    }

    func layer(_ report: ModelReport, _ layer: String) throws -> LayerReport {
        try XCTUnwrap(report.layers.first { $0.name == layer }, layer)
    }

    /// SNR, max/mean error and cosine of `noisy` against `reference`, written out here on purpose.
    func figures(
        _ noisy: [Double], _ reference: [Double]
    ) -> (snr: Double, maxAbs: Double, meanAbs: Double, cos: Double) {
        let noise = zip(noisy, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        let signal = reference.map { $0 * $0 }.reduce(0, +)
        let errors = zip(noisy, reference).map { abs($0 - $1) }
        let dot = zip(noisy, reference).map { $0 * $1 }.reduce(0, +)
        let norm = noisy.map { $0 * $0 }.reduce(0, +)
        return (
            10 * log10(signal / noise), errors.max() ?? 0, errors.reduce(0, +) / Double(errors.count),
            dot / (signal.squareRoot() * norm.squareRoot())
        )
    }

    func testLastLayerErrorsEqualThoseOfTheReferenceOutputs() throws {
        let report = try report(rows: nil)
        XCTAssertEqual(report.samples, 360)
        let last = try layer(report, "dequantizer")
        XCTAssertEqual(last.floatLayer, "dense")
        XCTAssertEqual(last.akidaLayer, "dequantizer")

        let float = try floats("float_out.npy"), quantized = try floats("quant_out.npy")
        let want = figures(quantized, float)
        let got = try XCTUnwrap(last.quantizedVsFloat)
        XCTAssertEqual(try XCTUnwrap(got.snrDB), want.snr, accuracy: 0.01)
        XCTAssertEqual(got.maxAbs, want.maxAbs, accuracy: 2e-3)
        XCTAssertEqual(got.meanAbs, want.meanAbs, accuracy: 1e-4)
        XCTAssertEqual(try XCTUnwrap(got.cosine), want.cos, accuracy: 1e-6)

        // Steps: the reference's own record of the output step per class (meta.json quant_out_step).
        let meta = try Fixtures.meta(caseName)
        let steps = try XCTUnwrap((meta["checks"] as? [String: Any])?["quant_out_step"] as? [Double])
        let akida = try floats("akida_v2_out.npy")
        let stepErrors = akida.indices.map { abs(akida[$0] - quantized[$0]) / steps[$0 % steps.count] }
        let akidaWant = figures(akida, quantized)
        let akidaGot = try XCTUnwrap(last.akidaVsQuantized)
        XCTAssertEqual(try XCTUnwrap(akidaGot.snrDB), akidaWant.snr, accuracy: 1e-6)
        XCTAssertEqual(akidaGot.maxAbs, akidaWant.maxAbs, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(akidaGot.maxSteps), stepErrors.max()!, accuracy: 1e-3 * stepErrors.max()!)
        XCTAssertEqual(
            try XCTUnwrap(akidaGot.meanSteps), stepErrors.reduce(0, +) / Double(stepErrors.count),
            accuracy: 1e-3 * stepErrors.max()!)
        let snrs = report.layers.compactMap { $0.quantizedVsFloat?.snrDB }
        XCTAssertEqual(report.worstLayers(snrs.count).compactMap { $0.quantizedVsFloat?.snrDB }, snrs.sorted())
        for row in report.layers {
        }
        for row in report.worstLayers() {
            print("worst layer \(row.name): SNR \(row.quantizedVsFloat?.snrDB ?? .nan) dB vs float")
        }
    }

    func testPerLayerFiguresEqualThoseOfTheLayerDumps() throws {
        let quant = try npz("quant_layers.npz"), akida = try npz("akida_v2_layers.npz")
        let rows = try XCTUnwrap(Fixtures.meta(caseName)["layer_dump_samples"] as? Int)
        let report = try report(rows: rows)

        let conv0 = try layer(report, "conv_0")
        XCTAssertEqual(conv0.floatLayer, "bn_0")
        XCTAssertEqual(conv0.foldedFloatLayers, ["bn_0"])
        XCTAssertEqual(conv0.weightBits, 8)
        XCTAssertEqual(conv0.parameters, 3 * 3 * 1 * 16 + 16)

        for (akidaName, quantName) in [("conv_0", "relu_0"), ("conv_1", "relu_1")] {
            let row = try layer(report, quantName)
            XCTAssertEqual(row.akidaLayer, akidaName)
            let values = try XCTUnwrap(quant["\(quantName):values"])
            XCTAssertEqual(akida[akidaName], values, "the dumps agree, so the report must say exact")
            let errors = try XCTUnwrap(row.akidaVsQuantized)
            XCTAssertNil(errors.snrDB)
            XCTAssertEqual(errors.maxAbs, 0)
            let bits = Int(try XCTUnwrap(quant["\(quantName):value_bits"]?.first))
            let top = Double(1 << bits) - 1
            XCTAssertEqual(
                try XCTUnwrap(row.saturation), Double(values.filter { $0 >= top }.count) / Double(values.count),
                accuracy: 1e-12)
            XCTAssertEqual(
                row.sparsity, Double(values.filter { $0 == 0 }.count) / Double(values.count), accuracy: 1e-12)
            XCTAssertEqual(row.activationHistogram.counts.reduce(0, +), values.count)
        }

        // relu_0 carries cross-layer equalization's rate: compared with the float ReLU after dividing
        // by it. Figures here: the reference's integers (quant_layers.npz), the rate stored in
        // quantized.h5 and the float ReLU (tf_keras-exact float engine).
        let float = try FloatModel(file: KerasH5.read(Fixtures.file(caseName, "model.h5")))
        let x = try BatchRows.slice(try NPY.read(contentsOf: Fixtures.file(caseName, "inputs.npy")), 0..<rows)
        let floatRelu = try XCTUnwrap(float.run(float.prepareInputs([x]), capture: ["relu_0"])["relu_0"]).scalars
        let rate = try XCTUnwrap(
            ModelOperations.quantizedModel(at: Fixtures.file(caseName, "quantized.h5")).layers
                .first { $0.name == "relu_0" }?.variable("output_quantizer/rescaling_rate")?.scalars)
        let fracBits = try XCTUnwrap(quant["relu_0:frac_bits"])
        let reluValues = try XCTUnwrap(quant["relu_0:values"])
        let descaled = reluValues.indices.map { i in
            reluValues[i] / pow(2, fracBits[i % fracBits.count]) / Double(rate[i % rate.count])
        }
        let relu = try layer(report, "relu_0")
        XCTAssertTrue(relu.marks.contains { $0.rule == "equalized" })
        XCTAssertEqual(
            try XCTUnwrap(relu.quantizedVsFloat?.snrDB), figures(descaled, floatRelu.map(Double.init)).snr,
            accuracy: 1e-3)

        // Dense: Akida's integer sums part from quantizeml's after the per-axis Flatten.
        let dense = try layer(report, "dense")
        XCTAssertEqual(dense.akidaLayer, "dense")
        let akidaDense = try XCTUnwrap(akida["dense"]), quantDense = try XCTUnwrap(quant["dense:values"])
        let want = figures(akidaDense, quantDense)
        let got = try XCTUnwrap(dense.akidaVsQuantized)
        XCTAssertEqual(got.maxAbs, want.maxAbs)
        XCTAssertEqual(try XCTUnwrap(got.maxSteps), want.maxAbs)
        XCTAssertEqual(try XCTUnwrap(got.snrDB), want.snr, accuracy: 1e-9)
        let flattened = try XCTUnwrap(
            (Fixtures.meta(caseName)["checks"] as? [String: Any])?["per_axis_flatten"] as? [String])
        XCTAssertEqual(flattened, ["flatten"])
        XCTAssertTrue(dense.marks.contains { $0.rule == "flatten-shift-dropped" })
        XCTAssertTrue(try layer(report, "flatten").marks.contains { $0.rule == "flatten-shift-dropped" })
        XCTAssertFalse(try layer(report, "relu_0").marks.contains { $0.rule == "flatten-shift-dropped" })
    }

    func testHistogramAndComparisonBasics() {
        let h = ReportStatistics.histogram([0, 1, 2, 3, 4, 4], bins: 4)
        XCTAssertEqual(h.lower, 0)
        XCTAssertEqual(h.upper, 4)
        XCTAssertEqual(h.counts, [1, 1, 1, 3])
        XCTAssertEqual(ReportStatistics.histogram([2, 2], bins: 3).counts, [2, 0, 0])
        // Noise of power 1 on a signal of power 100: 20 dB; errors of 1 in steps of 0.5 are 2 steps.
        let figures = ReportStatistics.compare([11, -11], reference: [10, -10], steps: [0.5])
        XCTAssertEqual(try XCTUnwrap(figures.snrDB), 20, accuracy: 1e-12)
        XCTAssertEqual(figures.maxSteps, 2)
        XCTAssertEqual(try XCTUnwrap(figures.cosine), 1, accuracy: 1e-12)
    }
}
