// Conversion over the corpus from the reference's recorded quantities: every case's Akida JSON
// (both targets) equals cnn2snn's, and every refusal matches the reference's error.
// Fixtures/conversion holds, per case, the quantized model's model_config and the values of
// QuantizeML's recorders after `record_quantization_variables` (dumped with the reference stack).
import AkidaFormats
import AkidaModel
import Conversion
import Foundation
import KerasGraph
import KerasHDF5
import NumPyIO
import Quantization
import Tensors
import TestSupport
import XCTest

enum ConversionFixtures {
    static let root = Fixtures.root.appendingPathComponent("conversion")

    static func graph(_ name: String) throws -> QuantizedKerasGraph {
        let text = try String(contentsOf: root.appendingPathComponent("\(name).model_config.json"), encoding: .utf8)
        let file = KerasModelFile(modelConfig: try JSONValue(parsing: text), weights: [:], layerNames: [])
        return QuantizedKerasGraph(graph: try LayerGraph(file: file))
    }

    static func records(_ name: String) throws -> QuantizationRecord {
        let text = try String(contentsOf: root.appendingPathComponent("\(name).records.json"), encoding: .utf8)
        return try QuantizationRecord(json: JSONValue(parsing: text))
    }

    /// Cases with a quantized model converted through QuantizeML (the legacy case is separate).
    static func cases() throws -> [String] {
        try Fixtures.corpusCases().filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0).records.json").path)
        }
    }

    /// Every case with a QuantizeML-quantized .h5, recorded or not (the legacy cases are separate).
    static func quantizedCases() throws -> [String] {
        let legacy = Set(try legacyCases())
        return try Fixtures.corpusCases().filter { !legacy.contains($0) && Fixtures.has($0, "quantized.h5") }
    }

    /// Cases quantized with the legacy `cnn2snn.quantize`.
    static func legacyCases() throws -> [String] {
        try Fixtures.corpusCases().filter { name in
            let args = try Fixtures.meta(name)["quantize_args"] as? [String: Any]
            return args?["function"] as? String == "cnn2snn.quantize" && Fixtures.has(name, "quantized.h5")
        }
    }

    static func expected(_ name: String, _ target: AkidaTarget) -> (json: String?, error: String?) {
        let dir = Fixtures.corpusCase(name)
        let json = try? String(contentsOf: dir.appendingPathComponent("akida_\(target.rawValue).json"), encoding: .utf8)
        let error = try? String(
            contentsOf: dir.appendingPathComponent("akida_\(target.rawValue)_error.txt"), encoding: .utf8)
        return (json, error)
    }
}

/// First difference between two Akida models, for readable failures.
func firstDifference(_ got: AkidaModel, _ want: AkidaModel) -> String? {
    if got.layers.map(\.name) != want.layers.map(\.name) {
        return "layers \(got.layers.map(\.name)) != \(want.layers.map(\.name))"
    }
    for (g, w) in zip(got.layers, want.layers) {
        if g.type != w.type { return "\(g.name): type \(g.type) != \(w.type)" }
        if g.parameters != w.parameters { return "\(g.name): parameters \(g.parameters) != \(w.parameters)" }
        if g.inbounds != w.inbounds { return "\(g.name): inbounds \(g.inbounds) != \(w.inbounds)" }
        if g.inputShapes != w.inputShapes || g.outputShape != w.outputShape {
            return "\(g.name): shapes \(g.inputShapes)->\(g.outputShape) != \(w.inputShapes)->\(w.outputShape)"
        }
        if Set(g.variables.keys) != Set(w.variables.keys) {
            return "\(g.name): variables \(g.variables.keys.sorted()) != \(w.variables.keys.sorted())"
        }
        for (key, gv) in g.variables.sorted(by: { $0.key < $1.key }) {
            let wv = w.variables[key]!
            if gv != wv {
                let gi = gv.floats, wi = wv.floats
                let at = zip(gi, wi).enumerated().first { $0.element.0 != $0.element.1 }
                return
                    "\(g.name).\(key): \(gv.dtype)/\(gv.bitwidth)/\(gv.shape) vs "
                    + "\(wv.dtype)/\(wv.bitwidth)/\(wv.shape); first diff "
                    + (at.map { "at \($0.offset): \($0.element.0) != \($0.element.1)" } ?? "none")
            }
        }
    }
    if got.ipVersion != want.ipVersion { return "IP version \(got.ipVersion) != \(want.ipVersion)" }
    if got.inputShape != want.inputShape || got.outputShape != want.outputShape { return "model shapes differ" }
    return nil
}

final class CorpusConversionTests: XCTestCase {
    func testEveryCaseMatchesTheReference() throws {
        var equal: [String] = [], refused: [String] = []
        for name in try ConversionFixtures.cases() {
            let graph = try ConversionFixtures.graph(name)
            let records = try ConversionFixtures.records(name)
            for target in AkidaTarget.allCases {
                let expected = ConversionFixtures.expected(name, target)
                let label = "\(name) \(target.rawValue)"
                do {
                    let output = try Converter.convert(graph: graph, records: records, target: target)
                    guard let json = expected.json else {
                        XCTFail("\(label): converted, but the reference refused: \(expected.error ?? "?")")
                        continue
                    }
                    let want = try AkidaJSON.decode(json)
                    if let diff = firstDifference(output.model, want) {
                        XCTFail("\(label): \(diff)")
                        continue
                    }
                    XCTAssertEqual(AkidaJSON.encode(output.model), json, "\(label): JSON text differs")
                    equal.append(label)
                } catch let error as ConversionError {
                    guard let want = expected.error else {
                        XCTFail("\(label): refused, but the reference converted it: \(error)")
                        continue
                    }
                    XCTAssertEqual(
                        error.referenceMessage.trimmingCharacters(in: .whitespacesAndNewlines),
                        want.trimmingCharacters(in: .whitespacesAndNewlines), label)
                    refused.append(label)
                }
            }
        }
        print("equal JSON: \(equal.joined(separator: ", "))")
        print("matching refusals: \(refused.joined(separator: ", "))")
    }
}

final class CompatibilityTests: XCTestCase {
    /// The report is empty exactly where the reference converts, and where it refuses, the report
    /// contains the reference's error (same layer, same rule, same text).
    func testReportAgreesWithTheReference() throws {
        for name in try ConversionFixtures.cases() {
            let graph = try ConversionFixtures.graph(name)
            let records = try ConversionFixtures.records(name)
            for target in AkidaTarget.allCases {
                let expected = ConversionFixtures.expected(name, target)
                let report = Converter.checkCompatibility(graph: graph, records: records, target: target)
                let label = "\(name) \(target.rawValue)"
                if expected.json != nil {
                    XCTAssertEqual(report, [], label)
                    continue
                }
                let wanted = try XCTUnwrap(expected.error, label)
                    .split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespacesAndNewlines)
                XCTAssertTrue(
                    report.contains { $0.message.trimmingCharacters(in: .whitespacesAndNewlines) == wanted },
                    "\(label): \(report) lacks \(wanted)")
                XCTAssertTrue(report.allSatisfy { !$0.fix.isEmpty }, label)
            }
        }
    }

    /// A model with several faults for Akida 1.0 gets all of them, each naming its layer.
    func testEveryProblemIsReported() throws {
        let graph = try ConversionFixtures.graph("seed_float_input")
        let report = Converter.checkCompatibility(
            graph: graph, records: try ConversionFixtures.records("seed_float_input"),
            target: .v1)
        let rules = report.map(\.rule)
        // dw_1 carries an output quantizer (a block boundary Akida 1.0 refuses), relu_0/relu_1 are
        // unbounded and the 8-bit convolutions exceed Akida 1.0's 4-bit weights.
        XCTAssertTrue(report.contains { $0.rule == "v1-block-boundary" && $0.layer == "dw_1" }, "\(report)")
        XCTAssertTrue(rules.contains("weight-bits"), "\(report)")
        XCTAssertTrue(report.contains { $0.rule == "v1-unbounded-relu" && $0.layer == "relu_1" }, "\(report)")
        XCTAssertGreaterThan(report.count, 3)
    }
}

final class ConvertedInferenceTests: XCTestCase {
    /// Models converted by SpikeForge, run in the Akida simulator, give akida's predict outputs.
    func testConvertedModelsPredictLikeAkida() throws {
        var checked = 0
        for name in try ConversionFixtures.cases() {
            let graph = try ConversionFixtures.graph(name)
            let records = try ConversionFixtures.records(name)
            for target in AkidaTarget.allCases where ConversionFixtures.expected(name, target).json != nil {
                let model = try Converter.convert(graph: graph, records: records, target: target).model
                let dir = Fixtures.corpusCase(name)
                let inputFile = try Fixtures.meta(name)["akida_input_file"] as? String ?? "inputs.npy"
                let inputs = try NPY.read(contentsOf: dir.appendingPathComponent(inputFile))
                let expected = try NPY.read(contentsOf: dir.appendingPathComponent("akida_\(target.rawValue)_out.npy"))
                let got = try AkidaSimulator(model: model).predict(inputs)
                XCTAssertEqual(got.ndarray(), expected, "\(name) \(target.rawValue)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 19)
    }
}

final class RegisterLimitTests: XCTestCase {
    /// An output scale wider than 8 bits is refused (the reference wraps it modulo 256), naming
    /// the layer, the variable and the value.
    func testOversizedOutputScaleIsAnError() throws {
        let graph = try ConversionFixtures.graph("mlp")
        var records = try ConversionFixtures.records("mlp")
        var relu = records["relu_0"]
        let scales = try XCTUnwrap(relu.outputScales)
        relu.outputScales = IntTensor(shape: scales.shape, values: [300] + scales.values.dropFirst())
        records.layers["relu_0"] = relu
        XCTAssertThrowsError(try Converter.convert(graph: graph, records: records, target: .v2)) { error in
            let e = error as? ConversionError
            XCTAssertEqual(e?.kind, .registerOverflow)
            XCTAssertEqual(e?.layer, "dense_0")
            XCTAssertTrue(
                e?.message.contains("300") == true && e?.message.contains("output_scales") == true, "\(error)")
        }
    }

    /// Output shifts beyond ±31 crash the reference engine; SpikeForge refuses them.
    func testOversizedOutputShiftIsAnError() throws {
        let graph = try ConversionFixtures.graph("mlp")
        var records = try ConversionFixtures.records("mlp")
        var relu = records["relu_0"]
        let shift = try XCTUnwrap(relu.outputShift)
        relu.outputShift = IntTensor(shape: shift.shape, values: shift.values.map { _ in 40 })
        records.layers["relu_0"] = relu
        XCTAssertThrowsError(try Converter.convert(graph: graph, records: records, target: .v2)) { error in
            XCTAssertTrue("\(error)".contains("dense_0") && "\(error)".contains("40"), "\(error)")
        }
        let report = Converter.checkCompatibility(graph: graph, records: records, target: .v2)
        XCTAssertEqual(report.map(\.rule), ["register-range"])
    }
}

final class TargetTests: XCTestCase {
    func testEnvironmentSelectsTheTarget() throws {
        XCTAssertEqual(try AkidaTarget.fromEnvironment([:]), .v2)
        XCTAssertEqual(try AkidaTarget.fromEnvironment(["CNN2SNN_TARGET_AKIDA_VERSION": "v1"]), .v1)
        XCTAssertThrowsError(try AkidaTarget.fromEnvironment(["CNN2SNN_TARGET_AKIDA_VERSION": "v3"])) { error in
            XCTAssertEqual(
                (error as? ConversionError)?.message, "CNN2SNN_TARGET_AKIDA_VERSION=v3 must be one of ['v1', 'v2']")
        }
    }
}

final class QuantizedModelConversionTests: XCTestCase {
    /// From the quantized .h5 alone: the recorded quantities equal the reference's, and the
    /// conversion equals the reference's JSON or refusal for both targets.
    func testQuantizedH5ConvertsLikeTheReference() throws {
        var equal = 0, refused = 0
        for name in try ConversionFixtures.quantizedCases() {
            let model = try QuantizedModel(file: KerasH5.read(Fixtures.file(name, "quantized.h5")))
            for target in AkidaTarget.allCases {
                let expected = ConversionFixtures.expected(name, target)
                // A target the reference did not exercise for this case (meta.json "skipped").
                guard expected.json != nil || expected.error != nil else { continue }
                let label = "\(name) \(target.rawValue)"
                do {
                    let output = try Converter.convert(quantized: model, target: target)
                    let json = try XCTUnwrap(expected.json, "\(label): the reference refused it")
                    if let diff = firstDifference(output.model, try AkidaJSON.decode(json)) {
                        XCTFail("\(label): \(diff)")
                    } else {
                        equal += 1
                    }
                } catch let error as ConversionError {
                    let want = try XCTUnwrap(expected.error, "\(label): \(error)")
                    XCTAssertEqual(
                        error.referenceMessage.trimmingCharacters(in: .whitespacesAndNewlines),
                        want.trimmingCharacters(in: .whitespacesAndNewlines), label)
                    refused += 1
                }
            }
        }
        XCTAssertEqual(equal, 36)
        XCTAssertEqual(refused, 43)
    }
}

final class LegacyConversionTests: XCTestCase {
    /// Models quantized with the legacy cnn2snn.quantize (with or without a leading Rescaling, the
    /// input scaling) convert to the reference's Akida 1.0 JSON and predict akida's outputs.
    func testLegacyModelConvertsLikeTheReference() throws {
        let cases = try ConversionFixtures.legacyCases()
        XCTAssertTrue(cases.contains("seed_upgrade_legacy"), "\(cases)")
        for name in cases {
            let dir = Fixtures.corpusCase(name)
            let model = try QuantizedModel(file: KerasH5.read(dir.appendingPathComponent("quantized.h5")))
            if let refusal = ConversionFixtures.expected(name, .v1).error {
                XCTAssertThrowsError(try Converter.convert(quantized: model, target: .v1), name) {
                    XCTAssertEqual(
                        ($0 as? ConversionError)?.referenceMessage.trimmingCharacters(in: .whitespacesAndNewlines),
                        refusal.trimmingCharacters(in: .whitespacesAndNewlines), name)
                }
                continue
            }
            let output = try Converter.convert(quantized: model, target: .v1)
            let want = try AkidaJSON.read(contentsOf: dir.appendingPathComponent("akida_v1.json"))
            XCTAssertNil(firstDifference(output.model, want), name)
            let inputs = try NPY.read(contentsOf: dir.appendingPathComponent("inputs_akida.npy"))
            let got = try AkidaSimulator(model: output.model).predict(inputs)
            XCTAssertEqual(
                got.ndarray(), try NPY.read(contentsOf: dir.appendingPathComponent("akida_v1_out.npy")), name)
        }
    }
}

final class RobustnessTests: XCTestCase {
    /// Corrupt variables and configs give errors naming a layer, never a crash.
    func testCorruptModelsAreRefusedWithoutCrashing() throws {
        let dir = Fixtures.corpusCase("ds_cnn_kws")
        let model = try QuantizedModel(file: KerasH5.read(dir.appendingPathComponent("quantized.h5")))
        // A NaN weight.
        var nan = model
        let i = try XCTUnwrap(nan.layers.firstIndex { $0.baseClassName == "QuantizedConv2D" })
        var kernel = try XCTUnwrap(nan.layers[i].variable("kernel"))
        kernel.scalars[0] = .nan
        nan.layers[i].setVariable("kernel", kernel)
        XCTAssertThrowsError(try Converter.convert(quantized: nan, target: .v2)) { error in
            XCTAssertNotNil((error as? ConversionError)?.layer ?? nil, "\(error)")
        }
        XCTAssertFalse(Converter.checkCompatibility(quantized: nan, target: .v2).isEmpty)
        // Records whose shapes do not match the layers.
        let graph = try ConversionFixtures.graph("ds_cnn_kws")
        var records = try ConversionFixtures.records("ds_cnn_kws")
        for (name, var r) in records.layers {
            if let k = r.weights["kernel"] {
                r.weights["kernel"] = IntTensor(shape: k.shape, values: Array(k.values.dropLast()))
            }
            records.layers[name] = r
        }
        XCTAssertThrowsError(try Converter.convert(graph: graph, records: records, target: .v2))
        XCTAssertFalse(Converter.checkCompatibility(graph: graph, records: records, target: .v2).isEmpty)
        // A one-element kernel_size / strides is read as a square kernel.
        XCTAssertEqual(
            QuantizedKerasLayer(
                name: "c", className: "QuantizedConv2D",
                config: try JSONValue(parsing: #"{"kernel_size": [3], "strides": 2}"#), inbounds: []
            ).kernelSize, [3, 3])
    }
}

final class LayerIntegersTests: XCTestCase {
    /// The integers the Quantization engine derives per layer equal what QuantizeML's recorders
    /// held in the reference run (the quantities the converter reads).
    func testLayerIntegersEqualTheReferenceRecorders() throws {
        var layers = 0
        for name in try ConversionFixtures.cases() {
            let model = try QuantizedModel(file: KerasH5.read(Fixtures.file(name, "quantized.h5")))
            let input = try XCTUnwrap(model.inputs.first.flatMap { model.layer(named: $0) }, name)
            let shape = [1] + (input.config["batch_input_shape"]?.array ?? []).dropFirst().map { $0.int ?? 1 }
            let dtype = DType(rawValue: input.config["dtype"]?.string ?? "float32") ?? .float32
            let zeros = try NDArray(
                dtype: dtype, shape: shape, bytes: [UInt8](repeating: 0, count: shape.reduce(1, *) * dtype.byteSize))
            let got = try QuantizedEngine(model: model).layerIntegers(zeros)
            for (layer, want) in try ConversionFixtures.records(name).layers {
                let label = "\(name) \(layer)"
                let g = got[layer] ?? LayerIntegers()
                func check(_ w: IntTensor?, _ v: [Float]?, shape: [Int]? = nil, _ entry: String) {
                    guard let w else { return }
                    XCTAssertEqual(v?.map { Int64(exactly: $0) ?? .min }, w.values, "\(label) \(entry)")
                    if let shape { XCTAssertEqual(shape, w.shape, "\(label) \(entry) shape") }
                }
                let separable = g.pointwiseKernel != nil
                check(want.weights["kernel"], separable ? nil : g.kernel?.scalars, shape: g.kernel?.shape, "kernel")
                check(
                    want.weights["depthwise_kernel"], separable ? g.kernel?.scalars : nil, shape: g.kernel?.shape,
                    "depthwise_kernel")
                check(
                    want.weights["pointwise_kernel"], g.pointwiseKernel?.scalars, shape: g.pointwiseKernel?.shape,
                    "pointwise_kernel")
                check(want.bias, g.bias, "bias")
                check(want.biasShift, g.biasShift, "bias_shift")
                check(want.inputShift, g.inputShift, "input_shift")
                check(want.paddingValue, g.paddingValue, "padding_value")
                check(want.maxValue, g.maxValue, "max_value")
                check(want.maxValueShift, g.maxValueShift, "max_value_shift")
                check(want.outputScales, g.outputScales, "output_scales")
                check(want.outputShift, g.outputShift, "output_shift")
                check(want.aShift, g.aShift, "a_shift")
                check(want.bShift, g.bShift, "b_shift")
                check(want.zeroPoints, g.zeroPoints, "zero_points")
                if let f = want.fracBits { XCTAssertEqual(g.fracBits?.map(Double.init), f, "\(label) frac_bits") }
                if let s = want.scales { XCTAssertEqual(g.scales, s, "\(label) scales") }
                layers += 1
            }
        }
        XCTAssertGreaterThan(layers, 100)
    }
}
