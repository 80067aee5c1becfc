// LegacyWeightLayer: the legacy CNN2SNN weight layers (`cnn2snn.quantize`, Akida 1.0 flow) —
// QuantizedConv2D, QuantizedDense, QuantizedDepthwiseConv2D, QuantizedSeparableConv2D saved
// with a `quantizer` instead of a `quant_config`. They fake-quantize their kernels
// (MaxQuantizer / MaxPerAxisQuantizer) and otherwise compute as the float layer they extend.
import Foundation
import KerasGraph
import Tensors

enum LegacyWeightLayer: LegacyLayerType {
    static let classNames = [
        "QuantizedConv2D", "QuantizedDense", "QuantizedDepthwiseConv2D", "QuantizedSeparableConv2D",
    ]

    static func recognizes(_ layer: QuantizedLayer) -> Bool { layer.config["quantizer"] != nil }

    static func makeOp(_ layer: QuantizedLayer) throws -> LayerOp {
        let r = LayerConfigReader(layer: layer)
        var float = layer
        float.className = String(layer.baseClassName.dropFirst("Quantized".count))
        switch layer.baseClassName {
        case "QuantizedDepthwiseConv2D":
            try fakeQuantize(&float, "depthwise_kernel", with: "quantizer", r)
            // The legacy depthwise layer ignores its bias.
            float.variables.removeAll { $0.name == "bias" }
            float.config = float.config.setting("use_bias", to: .bool(false))
        case "QuantizedSeparableConv2D":
            let dwQuantizer = layer.config["quantizer_dw"].map { $0.isNull } == false ? "quantizer_dw" : "quantizer"
            try fakeQuantize(&float, "depthwise_kernel", with: dwQuantizer, r)
            try fakeQuantize(&float, "pointwise_kernel", with: "quantizer", r)
        default:
            try fakeQuantize(&float, "kernel", with: "quantizer", r)
        }
        return try FloatLayerOp(float)
    }

    /// Replaces a kernel by its fake-quantized copy, as the config's quantizer computes it.
    static func fakeQuantize(
        _ layer: inout QuantizedLayer, _ kernel: String, with quantizer: String,
        _ r: LayerConfigReader
    ) throws {
        guard let q = layer.config[quantizer], let cls = q["class_name"]?.string,
            let bits = q["config"]?["bitwidth"]?.int, bits > 1
        else {
            throw r.fail("the legacy weight quantizer '\(quantizer)' has no class_name/bitwidth")
        }
        let perAxis: Bool
        switch cls {
        case "MaxQuantizer": perAxis = false
        case "MaxPerAxisQuantizer": perAxis = true
        default: throw r.fail("legacy weight quantizer \(cls) is not supported (MaxQuantizer, MaxPerAxisQuantizer)")
        }
        layer.setVariable(kernel, legacyFakeQuantize(try r.variable(kernel), bits: bits, perAxis: perAxis).weights)
    }
}

/// The legacy cnn2snn `MaxQuantizer` (`perAxis` false) / `MaxPerAxisQuantizer` (per last axis):
/// scale factors `sf = clip(kmax / max|w|, 0, 1000)` with `kmax = 2^(bits−1) − 1`, and the
/// fake-quantized weights `clip(round(w · sf), −kmax, kmax) / sf` (one factor, or one per channel).
public func legacyFakeQuantize(
    _ w: Tensor<Float>, bits: Int, perAxis: Bool
) -> (weights: Tensor<Float>, scaleFactors: [Float]) {
    let kmax = Float(pow(2.0, Double(bits - 1)) - 1)
    let c = perAxis ? (w.shape.last ?? 1) : 1
    var ranges = [Float](repeating: 0, count: c)
    for (i, v) in w.scalars.enumerated() { ranges[i % c] = max(ranges[i % c], abs(v)) }
    if perAxis { ranges = ranges.map { min(max($0, 1e-10), .greatestFiniteMagnitude) } }
    let factors = ranges.map { min(max(kmax / $0, 0), 1000) }
    let weights = Tensor(
        shape: w.shape,
        scalars: w.scalars.enumerated().map { i, v in
            let sf = factors[i % c]
            return min(max((v * sf).rounded(.toNearestOrEven), -kmax), kmax) / sf
        })
    return (weights, factors)
}
