import Foundation
import KerasGraph
import KerasHDF5
import NumPyIO
import Tensors
import TestSupport
// Acceptance tests of the float engine over the reference corpus: every model.h5 loads, float
// outputs match float_out.npy within the corpus rule, descriptions and summary texts match
// what tf_keras reported, and the refused cases name the offending layer.
import XCTest

/// Worst agreement of `got` with `want` under `|got - want| <= atol + rtol * |want|`.
struct FloatComparison {
    var maxAbsError: Float = 0
    /// Largest `|got - want| / (atol + rtol * |want|)`: at most 1 when the rule holds.
    var worstRatio: Float = 0

    init(got: Tensor<Float>, want: Tensor<Float>, rtol: Float = 1e-4, atol: Float) {
        for (g, w) in zip(got.scalars, want.scalars) {
            let err = abs(g - w)
            maxAbsError = max(maxAbsError, err.isNaN ? .infinity : err)
            worstRatio = max(worstRatio, err.isNaN ? .infinity : err / (atol + rtol * abs(w)))
        }
    }
}

final class CorpusFloatTests: XCTestCase {
    static let refused = ["neg_lambda": "lambda", "neg_lstm": "lstm"]

    func model(_ case_: String) throws -> KerasModelFile { try KerasH5.read(Fixtures.file(case_, "model.h5")) }

    func positiveCases() throws -> [String] {
        try Fixtures.corpusCases().filter { CorpusFloatTests.refused[$0] == nil }
    }

    func testFloatOutputsMatchReference() throws {
        var report: [String] = []
        for name in try positiveCases() {
            let model = try FloatModel(file: try self.model(name))
            let inputs = try NPY.read(contentsOf: Fixtures.file(name, "inputs.npy"))
            let want = try NPY.read(contentsOf: Fixtures.file(name, "float_out.npy")).floats()
            let got = try model.predict(inputs)
            XCTAssertEqual(got.shape, want.shape, name)
            let tolerances = (try Fixtures.meta(name)["tolerances"] as? [String: Any])?["float_out"] as? [String: Any]
            let rtol = Float(tolerances?["rtol"] as? Double ?? 1e-4)
            let atol = Float(tolerances?["atol"] as? Double ?? Double(1e-4 * (want.scalars.map(abs).max() ?? 0)))
            let cmp = FloatComparison(got: got, want: want, rtol: rtol, atol: atol)
            XCTAssertLessThanOrEqual(cmp.worstRatio, 1, "\(name): max |error| \(cmp.maxAbsError), atol \(atol)")
            report.append("\(name): max|err| \(cmp.maxAbsError) (\(cmp.worstRatio) of the tolerance)")
        }
        print("float vs tf_keras:\n  " + report.joined(separator: "\n  "))
    }

    func testRefusedLayersAreNamed() throws {
        for (name, layer) in CorpusFloatTests.refused {
            let file = try model(name)
            let graph = try LayerGraph(file: file)
            XCTAssertNotNil(graph.node(named: layer), name)
            for attempt in [{ _ = try FloatModel(graph: graph) }, { _ = try ModelDescription(graph: graph) }] {
                XCTAssertThrowsError(try attempt(), name) { error in
                    guard case GraphError.unsupported(let l, let cls, let reason) = error else {
                        return XCTFail("\(name): unexpected error \(error)")
                    }
                    XCTAssertEqual(l, layer)
                    XCTAssertEqual(cls.lowercased(), layer)
                    XCTAssertTrue("\(error)".contains("'\(layer)'"))
                    if layer == "lambda" { XCTAssertTrue(reason.contains("never executes")) }
                    if layer == "lstm" { XCTAssertTrue(reason.contains("Conv2D")) }
                }
            }
        }
    }

    func testSummaryTextEqualsKeras() throws {
        for name in try positiveCases() {
            let text = try KerasSummary.text(graph: try LayerGraph(file: try model(name)))
            let want = try String(contentsOf: Fixtures.file(name, "float_summary.txt"), encoding: .utf8)
            XCTAssertEqual(text, want, name)
        }
    }

    func testDescriptionMatchesMeta() throws {
        for name in try positiveCases() {
            let meta = try Fixtures.meta(name)["model"] as? [String: Any] ?? [:]
            let graph = try LayerGraph(file: try model(name))
            let d = try ModelDescription(graph: graph)
            XCTAssertEqual(d.kind, .float, name)
            XCTAssertEqual(d.name, meta["name"] as? String, name)
            XCTAssertEqual(d.modelClass, meta["class"] as? String, name)
            XCTAssertEqual(d.totalParams, meta["params"] as? Int, name)
            XCTAssertEqual(d.inputs.count, 1, name)
            XCTAssertEqual(d.inputs.first?.dtype, meta["input_dtype"] as? String, name)
            XCTAssertEqual(d.inputs.first?.shape, (meta["input_shape"] as? [Any])?.map { $0 as? Int }, name)
            XCTAssertEqual(d.outputs.first?.shape, (meta["output_shape"] as? [Any])?.map { $0 as? Int }, name)
            // meta.json holds Python class names: a custom layer's registration prefix (`Custom>`) is not in them.
            let classes = graph.modelLayers.map { "\($0.name):\($0.className.split(separator: ">").last ?? "")" }
            XCTAssertEqual(classes, meta["layers"] as? [String], name)
            let json = try JSONEncoder().encode(d)
            XCTAssertEqual(try JSONDecoder().decode(ModelDescription.self, from: json), d, name)
        }
    }

    /// Quantized models' summaries equal tf_keras's (Tests/Fixtures/keras_summaries, made with the reference stack).
    func testQuantizedSummaryTextEqualsKeras() throws {
        let dir = Fixtures.root.appendingPathComponent("keras_summaries/quantized")
        let cases = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".txt") }
        XCTAssertGreaterThan(cases.count, 20)
        for name in cases {
            let caseName = String(name.dropLast(4))
            let graph = try LayerGraph(file: try KerasH5.read(Fixtures.file(caseName, "quantized.h5")))
            let want = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            XCTAssertEqual(try KerasSummary.text(graph: graph), want, caseName)
        }
    }

    /// Quantized models are described too (kind, shapes from the float layers they stand for).
    func testQuantizedModelsAreDescribed() throws {
        for name in try positiveCases() where Fixtures.has(name, "quantized.h5") {
            let d = try ModelDescription(file: try KerasH5.read(Fixtures.file(name, "quantized.h5")))
            XCTAssertEqual(d.kind, .quantized, name)
            let floatOut = (try Fixtures.meta(name)["model"] as? [String: Any])?["output_shape"] as? [Any]
            XCTAssertEqual(d.outputs.first?.shape ?? nil, floatOut?.map { $0 as? Int }, name)
            XCTAssertTrue(d.layers.contains { $0.kind == .quantized }, name)
        }
    }

    /// Captured intermediate outputs agree with running a graph cut after that layer.
    func testCapturedLayersEqualTruncatedGraphs() throws {
        let graph = try LayerGraph(file: try model("float_zoo"))
        let model = try FloatModel(graph: graph)
        let x = try model.prepareInputs([try NPY.read(contentsOf: Fixtures.file("float_zoo", "inputs.npy"))])
        let captured = try model.run(x, capture: ["conv_0", "concat", "dense_1"])
        XCTAssertEqual(Set(captured.keys), ["conv_0", "concat", "dense_1"])
        XCTAssertEqual(captured["conv_0"]?.shape, [8, 21, 21, 8])
        XCTAssertEqual(captured["concat"]?.shape, [8, 16])

        // A transform-style edit: drop the softmax head and make dense_1 the output.
        var cut = graph
        cut.nodes.removeAll { $0.name == "softmax" }
        cut.outputs = [TensorRef(layer: "dense_1")]
        let logits = try FloatModel(graph: cut).forward(x).outputs[0]
        XCTAssertEqual(logits, captured["dense_1"])

        // The softmax of the captured logits is the model output.
        let probabilities = try model.forward(x).outputs[0]
        let want = try NPY.read(contentsOf: Fixtures.file("float_zoo", "float_out.npy")).floats()
        XCTAssertLessThanOrEqual(FloatComparison(got: probabilities, want: want, atol: 1e-5).worstRatio, 1)
        XCTAssertThrowsError(try model.run(x, capture: ["no_such_layer"]))
    }

    /// Batches larger than a slice run slice by slice; rows and captured layers come back in order.
    func testLargeBatchesEqualSmallOnes() throws {
        let model = try FloatModel(file: try self.model("digits_trained"))
        let all = try model.prepareInputs([try NPY.read(contentsOf: Fixtures.file("digits_trained", "inputs.npy"))])[0]
        let n = all.shape[0]
        XCTAssertGreaterThan(n, 20)
        let whole = try model.forward([all], capture: ["relu_0"])
        let sample = all.count / n
        for start in [0, 9, n - 3] {
            let rows = Tensor(
                shape: [3] + all.shape.dropFirst(),
                scalars: Array(all.scalars[(start * sample)..<((start + 3) * sample)]))
            let part = try model.forward([rows], capture: ["relu_0"])
            let outWidth = part.outputs[0].count / 3, relWidth = (part.captured["relu_0"]?.count ?? 0) / 3
            XCTAssertEqual(
                part.outputs[0].scalars, Array(whole.outputs[0].scalars[(start * outWidth)..<((start + 3) * outWidth)]))
            XCTAssertEqual(
                part.captured["relu_0"]?.scalars,
                whole.captured["relu_0"].map { Array($0.scalars[(start * relWidth)..<((start + 3) * relWidth)]) })
        }
        XCTAssertEqual(whole.captured["relu_0"]?.shape.first, n)
    }

    func testParameterCountsFollowKeras() throws {
        // Per-layer counts against the Param # column tf_keras printed.
        let model = try FloatModel(file: try self.model("float_zoo"))
        let summary = try String(contentsOf: Fixtures.file("float_zoo", "float_summary.txt"), encoding: .utf8)
        for layer in model.layers {
            let row = summary.split(separator: "\n").first { $0.hasPrefix(" \(layer.name) (") }
            let column = row.map { String($0.dropFirst(66).prefix(11)).trimmingCharacters(in: .whitespaces) }
            XCTAssertEqual(column, String(layer.parameterCount), layer.name)
        }
    }

    func testInputsAreValidated() throws {
        let model = try FloatModel(file: try self.model("ds_cnn_kws"))
        XCTAssertEqual(model.inputs.first?.dtype, "uint8")
        // Wrong spatial shape.
        let wrong = NDArray(
            Tensor<Int32>(shape: [1, 10, 49, 1], scalars: Array(repeating: 0, count: 490)), dtype: .uint8)
        XCTAssertThrowsError(try model.predict(wrong)) { XCTAssertTrue("\($0)".contains("(N, 49, 10, 1)")) }
        // Floats that a uint8 input cannot hold.
        let frac = NDArray(Tensor<Float>(shape: [1, 49, 10, 1], scalars: Array(repeating: 0.5, count: 490)))
        XCTAssertThrowsError(try model.predict(frac)) { XCTAssertTrue("\($0)".contains("uint8")) }
        // Integral floats are accepted and equal the uint8 result.
        let inputs = try NPY.read(contentsOf: Fixtures.file("ds_cnn_kws", "inputs.npy"))
        let asFloat = NDArray(inputs.floats())
        XCTAssertEqual(try model.predict(asFloat), try model.predict(inputs))
        // Empty batch.
        let empty = try NDArray(dtype: .uint8, shape: [0, 49, 10, 1], bytes: [])
        XCTAssertEqual(try model.predict(empty).shape, [0, 10])
    }
}
