// Integer semantics of single quantized layers on the worked examples of the QuantizeML
// reference document (reference/quantizeml.md §3, §7), which were obtained by running the
// reference layers: small in-memory models run through QuantizedEngine.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class LayerSemanticsTests: XCTestCase {
    func json(_ text: String) -> JSONValue { TinyModel.json(text) }
    func t(_ shape: [Int], _ values: [Float]) -> Tensor<Float> { Tensor(shape: shape, scalars: values) }
    func input(_ shape: [Int]) -> QuantizedLayer { TinyModel.input(shape) }
    func inputQuantizer(signed: Bool, min: Float, max: Float) -> QuantizedLayer {
        TinyModel.inputQuantizer(signed: signed, min: min, max: max)
    }

    func run(_ layers: [QuantizedLayer], _ x: Tensor<Float>) throws -> [String: QValue] {
        let model = QuantizedModel(
            name: "m", layers: layers, inputs: ["input"], outputs: [TensorRef(layer: layers.last!.name)])
        return try QuantizedEngine(model: model).layerOutputs(NDArray(x))
    }

    struct NotQuantized: Error {}

    func quantized(_ v: QValue?) throws -> QTensor {
        guard case .quantized(let q)? = v else { throw NotQuantized() }
        return q
    }

    /// §3.5: signed and unsigned (zero point) InputQuantizer.
    func testInputQuantizer() throws {
        let signed = try run(
            [input([4]), inputQuantizer(signed: true, min: -1, max: 1.5)], t([1, 4], [0.3, -1.2, 1.49, 2.5]))
        let s = try quantized(signed["iq"])
        XCTAssertEqual(s.values, [19, -77, 95, 127])
        XCTAssertEqual(s.fracBits.values, [6])
        XCTAssertNil(s.scales)
        let unsigned = try run(
            [input([4]), inputQuantizer(signed: false, min: -0.5, max: 1.0)], t([1, 4], [0, -0.5, 1.0, 0.3]))
        let u = try quantized(unsigned["iq"])
        XCTAssertEqual(u.values, [64, 0, 192, 102])
        XCTAssertEqual(u.fracBits.values, [7])
        XCTAssertEqual(u.scales, ChannelParam(scalar: 1))
    }

    /// §7.6 Dense with bias then the §3.4 OutputQuantizer example, and the Dequantizer.
    func testDenseBiasOutputQuantizer() throws {
        // range 20 → fb 2: inputs 0.75, −0.5 become the payload [3, −2].
        let dense = QuantizedLayer(
            name: "dense", className: "Custom>QuantizedDense",
            config: json(
                #"""
                {"name": "dense", "units": 2, "activation": "linear", "use_bias": true,
                "quant_config": {"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}}
                """#
            ),
            inputs: [TensorRef(layer: "iq")],
            variables: [
                QuantizedVariable(name: "kernel", value: t([2, 2], [0.5, -0.25, 0.1, 0.2])),
                QuantizedVariable(name: "bias", value: t([2], [0.05, -0.3])),
            ])
        var withOQ = dense
        withOQ.config = json(
            #"""
            {"name": "dense", "units": 2, "activation": "linear", "use_bias": true,
            "quant_config": {"output_quantizer": {"bitwidth": 8, "axis": "per-tensor", "buffer_bitwidth": 32},
            "weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}}
            """#
        )
        withOQ.setVariable("output_quantizer/range_max", t([], [0.9]))
        withOQ.setVariable("output_quantizer/rescaling_rate", t([], [1]))
        let deq = QuantizedLayer(
            name: "deq", className: "Custom>Dequantizer", config: json(#"{"name": "deq"}"#),
            inputs: [TensorRef(layer: "dense")], variables: [])
        let x = t([1, 2], [0.75, -0.5])
        let plain = try quantized(
            run([input([2]), inputQuantizer(signed: true, min: -20, max: 20), dense], x)["dense"])
        XCTAssertEqual(plain.values, [382, -1193])
        XCTAssertEqual(plain.fracBits.values, [2])
        XCTAssertEqual(plain.valueBits, 27)
        XCTAssertEqual(plain.scales?.values, [Float(0.5) / 127, Float(0.25) / 127])
        let out = try run([input([2]), inputQuantizer(signed: true, min: -20, max: 20), withOQ, deq], x)
        let q = try quantized(out["dense"])
        XCTAssertEqual(q.values, [48, -75])
        XCTAssertEqual(q.fracBits.values, [7])
        guard case .float(let f)? = out["deq"] else { return XCTFail("no float output") }
        XCTAssertEqual(f.scalars, [0.375, -0.5859375])
    }

    /// §7.3 SAME 3×3 convolution with bias (ties-to-even weights, RNE bias at fb 1).
    func testConvSamePaddingWithBias() throws {
        let conv = QuantizedLayer(
            name: "conv", className: "Custom>QuantizedConv2D",
            config: json(
                #"""
                {"name": "conv", "filters": 1, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
                "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "linear",
                "use_bias": true, "quant_config": {"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}}
                """#
            ),
            inputs: [TensorRef(layer: "iq")],
            variables: [
                QuantizedVariable(
                    name: "kernel", value: t([3, 3, 1, 1], [1, 0, -1, 2, 0, -2, 1, 0, -1].map { 0.25 * $0 })),
                QuantizedVariable(name: "bias", value: t([1], [0.1])),
            ])
        // range 40 → fb 1: inputs k/2 become the payload k.
        let out = try run(
            [input([3, 3, 1]), inputQuantizer(signed: true, min: -40, max: 40), conv],
            t([1, 3, 3, 1], (0..<9).map { Float($0) / 2 }))
        let q = try quantized(out["conv"])
        XCTAssertEqual(q.values, [-332, -331, 434, -969, -459, 1071, -1094, -331, 1196])
        XCTAssertEqual(q.fracBits.values, [1])
        XCTAssertEqual(q.scales?.values, [Float(0.5) / 127])
    }
}

/// Refusals: each error names the layer and the rule.
final class QuantizedModelErrorTests: XCTestCase {
    let helper = TinyModel.self

    func testUnknownQuantizedClassIsRefusedByName() throws {
        let odd = QuantizedLayer(
            name: "lstm", className: "Custom>QuantizedLSTM", config: helper.json(#"{"name": "lstm"}"#),
            inputs: [TensorRef(layer: "iq")], variables: [])
        let model = QuantizedModel(
            name: "m", layers: [helper.input([4]), helper.inputQuantizer(signed: true, min: -1, max: 1), odd],
            inputs: ["input"], outputs: [TensorRef(layer: "lstm")])
        XCTAssertThrowsError(try QuantizedEngine(model: model)) { error in
            XCTAssertEqual(
                error as? QuantizedModelError, .unsupportedLayer(layer: "lstm", className: "Custom>QuantizedLSTM"))
        }
    }

    func testWrongInputShapeIsRefused() throws {
        let model = QuantizedModel(
            name: "m", layers: [helper.input([4]), helper.inputQuantizer(signed: true, min: -1, max: 1)],
            inputs: ["input"], outputs: [TensorRef(layer: "iq")])
        XCTAssertThrowsError(try QuantizedEngine(model: model).predict(NDArray(Tensor(shape: [1, 3], repeating: 0)))) {
            error in
            XCTAssertTrue("\(error)".contains("(N, 4)"), "\(error)")
        }
    }

    /// §7.12: Flatten of per-axis frac bits whose spread reaches the value bits fails at inference.
    func testFlattenOfFarApartFracBitsFails() throws {
        let iq = QuantizedLayer(
            name: "iq", className: "Custom>InputQuantizer",
            config: helper.json(#"{"name": "iq", "bitwidth": 8, "signed": true, "axis": "per-axis"}"#),
            inputs: [TensorRef(layer: "input")],
            variables: [
                QuantizedVariable(name: "range_min", value: Tensor(shape: [2], scalars: [-100, -0.5])),
                QuantizedVariable(name: "range_max", value: Tensor(shape: [2], scalars: [100, 0.5])),
            ])
        let flatten = QuantizedLayer(
            name: "flatten", className: "Custom>QuantizedFlatten", config: helper.json(#"{"name": "flatten"}"#),
            inputs: [TensorRef(layer: "iq")], variables: [])
        let model = QuantizedModel(
            name: "m", layers: [helper.input([1, 1, 2]), iq, flatten], inputs: ["input"],
            outputs: [TensorRef(layer: "flatten")])
        XCTAssertThrowsError(
            try QuantizedEngine(model: model).predict(NDArray(Tensor(shape: [1, 1, 1, 2], scalars: [3, 0.25])))
        ) { error in
            guard case .arithmetic(let layer, let reason)? = error as? QuantizedModelError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(layer, "flatten")
            XCTAssertTrue(reason.contains("Cannot rescale"), reason)
        }
    }

    func testOutputQuantizerRangeOfWrongLengthIsRefused() throws {
        var dense = QuantizedLayer(
            name: "dense", className: "Custom>QuantizedDense",
            config: helper.json(
                #"""
                {"name": "dense", "units": 2, "use_bias": false,
                "quant_config": {"output_quantizer": {"bitwidth": 8, "axis": "per-axis"},
                "weight_quantizer": {"bitwidth": 8}}}
                """#
            ),
            inputs: [TensorRef(layer: "iq")],
            variables: [QuantizedVariable(name: "kernel", value: Tensor(shape: [2, 2], scalars: [1, 0, 0, 1]))])
        dense.setVariable("output_quantizer/range_max", Tensor(shape: [3], scalars: [1, 1, 1]))
        dense.setVariable("output_quantizer/rescaling_rate", Tensor(shape: [3], scalars: [1, 1, 1]))
        let model = QuantizedModel(
            name: "m", layers: [helper.input([2]), helper.inputQuantizer(signed: true, min: -1, max: 1), dense],
            inputs: ["input"], outputs: [TensorRef(layer: "dense")])
        XCTAssertThrowsError(
            try QuantizedEngine(model: model).predict(NDArray(Tensor(shape: [1, 2], scalars: [0.5, 0.25])))
        ) { error in
            guard case .arithmetic(let layer, let reason)? = error as? QuantizedModelError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(layer, "dense")
            XCTAssertTrue(reason.contains("range_max"), reason)
        }
    }
}

/// Builders of small in-memory quantized models.
enum TinyModel {
    static func json(_ text: String) -> JSONValue { try! JSONValue(parsing: text) }

    static func input(_ shape: [Int]) -> QuantizedLayer {
        let dims = ([nil] + shape.map { Optional($0) }).map { $0.map(String.init) ?? "null" }.joined(separator: ", ")
        return QuantizedLayer(
            name: "input", className: "InputLayer",
            config: json(#"{"batch_input_shape": [\#(dims)], "dtype": "float32", "name": "input"}"#),
            inputs: [], variables: [])
    }

    static func inputQuantizer(signed: Bool, min: Float, max: Float) -> QuantizedLayer {
        QuantizedLayer(
            name: "iq", className: "Custom>InputQuantizer",
            config: json(
                #"{"name": "iq", "quant_config": {}, "bitwidth": 8, "signed": \#(signed), "axis": "per-tensor"}"#),
            inputs: [TensorRef(layer: "input")],
            variables: [
                QuantizedVariable(name: "range_min", value: Tensor(shape: [], scalars: [min])),
                QuantizedVariable(name: "range_max", value: Tensor(shape: [], scalars: [max])),
            ])
    }
}
