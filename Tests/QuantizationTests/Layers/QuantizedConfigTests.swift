// Quantized configs the layer types give float layers (reference §5.4, §5.5, §8.2): quantizer
// defaults from QuantizationParams, q_config overrides, the 28-bit cap of single-kernel layers,
// and constructors the reference refuses, which leave the layer float.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedConfigTests: XCTestCase {
    func json(_ text: String) -> JSONValue { TinyModel.json(text) }

    /// input (4, 4, 1) → Conv2D 3×3 → ReLU → Flatten → Dense(2).
    func convReLUFlattenDense(relu: [(String, JSONValue)] = [("max_value", .null)]) -> LayerGraph {
        G.graph(
            [
                G.input([4, 4, 1]), G.conv("conv", "input", filters: 2, kernel: 3, cin: 1),
                G.n("relu", "ReLU", relu, ["conv"]), G.n("flatten", "Flatten", [], ["relu"]),
                G.n(
                    "dense", "Dense",
                    [("units", .number(2)), ("activation", .string("linear")), ("use_bias", .bool(false))],
                    ["flatten"], weights: [("kernel", Tensor(shape: [8, 2], repeating: 0.5))]),
            ],
            output: "dense")
    }

    func quantConfig(_ plan: QuantizationPlan, _ layer: String) -> JSONValue? {
        plan.graph.node(named: layer)?.config["quant_config"]
    }

    func testDefaultsAndPlannedOutputQuantizer() throws {
        let plan = try Quantizer.prepare(convReLUFlattenDense(), options: QuantizeOptions())
        let classes = plan.graph.nodes.map(\.className)
        XCTAssertEqual(
            classes,
            [
                "InputLayer", "Custom>InputQuantizer", "Custom>QuantizedConv2D", "Custom>QuantizedReLU",
                "Custom>QuantizedFlatten", "Custom>QuantizedDense", "Custom>Dequantizer",
            ])
        // buffer_bits 32 is stored as min(28, 32) for the single-kernel layers.
        XCTAssertEqual(
            quantConfig(plan, "conv"), json(#"{"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}"#))
        XCTAssertEqual(
            quantConfig(plan, "dense"), json(#"{"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}"#))
        // Flatten and Dense need aligned inputs: the ReLU before them holds a signed 8-bit per-axis
        // OutputQuantizer (activation_bits 8, a (2, 2, 2) output).
        XCTAssertEqual(
            quantConfig(plan, "relu"),
            json(
                #"""
                {"output_quantizer": {"bitwidth": 8, "signed": true, "axis": "per-axis", "buffer_bitwidth": 32},
                 "buffer_bitwidth": 32}
                """#))
        XCTAssertEqual(plan.graph.node(named: "flatten")?.config, json(#"{"name": "flatten"}"#))
        XCTAssertTrue(plan.fullyQuantized)
    }

    func testQConfigEntryReplacesThePlan() throws {
        let qConfig = json(#"{"conv": {"weight_quantizer": {"bitwidth": 4}, "buffer_bitwidth": 20}}"#)
        let plan = try Quantizer.prepare(convReLUFlattenDense(), options: QuantizeOptions(qConfig: qConfig))
        XCTAssertEqual(
            quantConfig(plan, "conv"), json(#"{"weight_quantizer": {"bitwidth": 4}, "buffer_bitwidth": 20}"#))
    }

    func testRefusedConstructorLeavesLayerFloat() throws {
        // ReLU(negative_slope=0.1) has no quantized form: a Dequantizer goes before it.
        let plan = try Quantizer.prepare(
            convReLUFlattenDense(relu: [("negative_slope", .number(0.1))]),
            options: QuantizeOptions())
        XCTAssertEqual(plan.graph.node(named: "relu")?.className, "ReLU")
        XCTAssertEqual(plan.graph.node(named: "relu")?.inputs, [TensorRef(layer: "conv/dequantizer")])
        XCTAssertEqual(plan.warnings.map(\.kind), [.partialQuantization])
        XCTAssertFalse(plan.fullyQuantized)
        // A Flatten takes no quant_config: a non-empty q_config entry keeps it float.
        let flat = try Quantizer.prepare(
            convReLUFlattenDense(),
            options: QuantizeOptions(qConfig: json(#"{"flatten": {"buffer_bitwidth": 8}}"#)))
        XCTAssertEqual(flat.graph.node(named: "flatten")?.className, "Flatten")
    }

    func testDepthwiseAndSeparableQuantizers() throws {
        let dw = G.n(
            "dw", "DepthwiseConv2D",
            [
                ("kernel_size", G.ints([1, 1])), ("strides", G.ints([1, 1])), ("padding", .string("valid")),
                ("depth_multiplier", .number(1)), ("activation", .string("linear")), ("use_bias", .bool(false)),
            ],
            ["input"], weights: [("depthwise_kernel", Tensor(shape: [1, 1, 2, 1], repeating: 0.5))])
        let sep = G.n(
            "sep", "SeparableConv2D",
            [
                ("filters", .number(2)), ("kernel_size", G.ints([1, 1])), ("strides", G.ints([1, 1])),
                ("padding", .string("valid")), ("depth_multiplier", .number(1)), ("activation", .string("linear")),
                ("use_bias", .bool(false)),
            ],
            ["dw"],
            weights: [
                ("depthwise_kernel", Tensor(shape: [1, 1, 2, 1], repeating: 0.5)),
                ("pointwise_kernel", Tensor(shape: [1, 1, 2, 2], repeating: 0.5)),
            ])
        let params = try QuantizationParams(weightBits: 4, inputWeightBits: 6, inputDType: "int8")
        let plan = try Quantizer.prepare(
            G.graph([G.input([4, 4, 2]), dw, sep], output: "sep"),
            options: QuantizeOptions(params: params))
        // The first weight layer takes input_weight_bits; a depthwise kernel is quantized along axis −2.
        XCTAssertEqual(quantConfig(plan, "dw")?["weight_quantizer"], json(#"{"bitwidth": 6, "axis": -2}"#))
        // The separable depthwise kernel is per tensor (axis null); its buffer is not capped at 28 bits.
        XCTAssertEqual(quantConfig(plan, "sep")?["dw_weight_quantizer"], json(#"{"bitwidth": 4, "axis": null}"#))
        XCTAssertEqual(quantConfig(plan, "sep")?["pw_weight_quantizer"], json(#"{"bitwidth": 4}"#))
        XCTAssertEqual(quantConfig(plan, "sep")?["buffer_bitwidth"], .number(32))
    }
}
