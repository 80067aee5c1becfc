// QuantizedActivation (gelu, swish, hard_silu, leaky_relu): a per-tensor FixedPoint input is
// dequantized, passed through the float activation and requantized on 13 value bits with a
// scale fixed by the activation's range over every possible input code (the reference's
// look-up table, evaluated in its default dequantize-requantize mode), then output-quantized.
import Foundation
import KerasGraph

enum QuantizedActivation: QuantizedLayerType {
    static let className = "QuantizedActivation"
    static let floatClasses = ["Activation"]
    static let needsAlignedInputs = true
    /// The functions QuantizeML's Activation takes; another Activation (softmax, ...) stays float.
    static let functions = ["gelu", "swish", "hard_silu", "leaky_relu"]
    /// The bitwidth QuantizeML gives the OutputQuantizer feeding an activation table.
    static let inputBitwidth = 11

    static func quantizes(_ node: GraphNode) -> Bool { functions.contains(node.activationName ?? "") }

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        var qc = quantConfig
        qc.setDefault("lut_bitwidth", .number(14))
        return .object(
            kept(node.config, ["activation"]) + [
                ("alpha", node.config["alpha"] ?? .number(0.2)), ("quant_config", qc.json),
            ])
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp {
        try QuantizedActivationOp(layer)
    }
}

struct QuantizedActivationOp: LayerOp {
    let name: String
    let activation: (Float) -> Float
    let lutBits: Int
    let oq: OutputQuantizerSpec?

    init(_ layer: QuantizedLayer) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        let alpha = Float(layer.config["alpha"]?.double ?? 0.2)
        switch r.string("activation") ?? "" {
        case "gelu": activation = { 0.5 * $0 * (1 + erff($0 * 0.70710678)) }
        case "swish", "silu": activation = { $0 * (1 / (1 + expf(-$0))) }
        case "hard_silu": activation = { $0 * min(max($0 + 3, 0), 6) / 6 }
        case "leaky_relu": activation = { $0 < 0 ? alpha * $0 : $0 }
        case let other: throw r.fail("activation '\(other)' is not supported (gelu, swish, hard_silu, leaky_relu)")
        }
        lutBits = (r.quantConfig["lut_bitwidth"]?.int ?? 14) - 1
        oq = try r.outputQuantizer()
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        let x = try expectQuantized(inputs[0], layer: name)
        guard !x.isQFloat, x.isPerTensor else {
            throw QuantizedModelError.arithmetic(
                layer: name, reason: "QuantizedActivation only supports per-tensor FixedPoint inputs.")
        }
        guard x.valueBits <= 24 else {
            throw QuantizedModelError.arithmetic(
                layer: name, reason: "a \(x.valueBits)-bit input is too wide for an activation table")
        }
        let step = pow2(x.fracBits.values[0])
        // The scale comes from the largest |activation| over every input code.
        let codes = Int(pow2(Float(x.valueBits)))
        var rangeMax: Float = 0
        for code in -codes..<codes { rangeMax = max(rangeMax, abs(activation(Float(code) / step))) }
        let scale = ReferenceMode.predict.divide(rangeMax, byConstant: pow2(Float(lutBits)) - 1)
        let (lo, hi) = saturationBounds(lutBits)
        let values = x.values.map { min(max(rne(activation($0 / step) / scale), lo), hi) }
        let out = QTensor(
            values: values, shape: x.shape, valueBits: lutBits, fracBits: ChannelParam(scalar: 0),
            scales: ChannelParam(scalar: scale))
        return .quantized(try applyOutputQuantizer(out, oq))
    }
}
