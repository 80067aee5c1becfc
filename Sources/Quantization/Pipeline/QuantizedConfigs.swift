// Float layer → QuantizeML layer (reference §5.4, §8.2): the quantized class of each float
// class, and the quantized layer's Keras config with the `quant_config` its constructor
// completes from the current QuantizationParams. A constructor the reference would refuse
// returns nil: the layer stays float.
import KerasGraph

enum QuantizedClasses {
    /// Float class → QuantizeML class (without the `Custom>` prefix).
    static let mapping: [String: String] = [
        "Conv2D": "QuantizedConv2D", "PaddedConv2D": "QuantizedConv2D",
        "DepthwiseConv2D": "QuantizedDepthwiseConv2D", "SeparableConv2D": "QuantizedSeparableConv2D",
        "Dense": "QuantizedDense", "ReLU": "QuantizedReLU",
        "MaxPooling2D": "QuantizedMaxPool2D", "MaxPool2D": "QuantizedMaxPool2D",
        "GlobalAveragePooling2D": "QuantizedGlobalAveragePooling2D", "GlobalAvgPool2D": "QuantizedGlobalAveragePooling2D",
        "Rescaling": "QuantizedRescaling", "Add": "QuantizedAdd", "Concatenate": "QuantizedConcatenate",
        "Flatten": "QuantizedFlatten", "Reshape": "QuantizedReshape", "Dropout": "QuantizedDropout",
    ]
    static let weightLayers: Set<String> = ["QuantizedConv2D", "QuantizedDepthwiseConv2D", "QuantizedSeparableConv2D",
                                            "QuantizedDense"]
    static let alignedInputs: Set<String> = weightLayers.union(["QuantizedAdd", "QuantizedConcatenate", "QuantizedFlatten"])
    static let noOutputQuantizer: Set<String> = ["QuantizedMaxPool2D", "QuantizedRescaling", "QuantizedConcatenate",
                                                 "QuantizedFlatten", "QuantizedReshape", "QuantizedDropout"]

    static func quantizedClass(of node: GraphNode) -> String? { mapping[layerClass(node)] }

    static func canHoldOutputQuantizer(_ node: GraphNode) -> Bool {
        guard let q = quantizedClass(of: node) else { return false }
        return !noOutputQuantizer.contains(q)
    }

    /// A quantizer bitwidth the reference's Quantizer constructor accepts.
    static func validBitwidth(_ cfg: JSONValue?, signedDefault: Bool = true) -> Bool {
        guard let cfg else { return true }
        guard let bits = cfg["bitwidth"]?.int else { return cfg["bitwidth"] == nil }
        let signed = cfg["signed"]?.bool ?? signedDefault
        return bits >= (signed ? 2 : 1)
    }

    static func keep(_ config: JSONValue, _ keys: [String]) -> [(String, JSONValue)] {
        keys.compactMap { k in config[k].map { (k, $0) } }
    }

    /// The quantized config of `node`, or nil when the reference's constructor would fail.
    /// `quantConfig` is the q_config entry or the planned OutputQuantizer config (may be empty).
    static func quantizedConfig(of node: GraphNode, qclass: String, quantConfig: JSONValue,
                                params: QuantizationParams) -> JSONValue? {
        var qc = quantConfig.objectPairs ?? []
        func get(_ k: String) -> JSONValue? { qc.first(where: { $0.0 == k })?.1 }
        func set(_ k: String, _ v: JSONValue) {
            if let i = qc.firstIndex(where: { $0.0 == k }) { qc[i].1 = v } else { qc.append((k, v)) }
        }
        func bufferDefault() { if get("buffer_bitwidth") == nil { set("buffer_bitwidth", .number(Double(params.bufferBits))) } }
        let cfg = node.config
        let base = keep(cfg, ["name", "trainable", "dtype"])
        guard validBitwidth(get("output_quantizer")) else { return nil }
        if let oq = get("output_quantizer")?.objectPairs,
           oq.contains(where: { !["bitwidth", "signed", "axis", "scale_bits", "buffer_bitwidth"].contains($0.0) }) {
            return nil
        }
        switch qclass {
        case "QuantizedConv2D", "QuantizedDepthwiseConv2D", "QuantizedDense", "QuantizedSeparableConv2D":
            if cfg["data_format"]?.string == "channels_first" { return nil }
            if let a = node.activationName, a != "linear" { return nil }
            if qclass == "QuantizedConv2D", let g = cfg["groups"]?.int, g != 1 { return nil }
            if qclass == "QuantizedSeparableConv2D" {
                if let m = cfg["depth_multiplier"]?.int, m != 1 { return nil }
                if get("dw_weight_quantizer") == nil { set("dw_weight_quantizer", .object([("bitwidth", .number(Double(params.weightBits)))])) }
                set("dw_weight_quantizer", (get("dw_weight_quantizer") ?? .object([])).setting("axis", to: .null))
                if get("pw_weight_quantizer") == nil { set("pw_weight_quantizer", .object([("bitwidth", .number(Double(params.weightBits)))])) }
                guard validBitwidth(get("dw_weight_quantizer")), validBitwidth(get("pw_weight_quantizer")) else { return nil }
                bufferDefault()
            } else {
                if get("weight_quantizer") == nil { set("weight_quantizer", .object([("bitwidth", .number(Double(params.weightBits)))])) }
                if qclass == "QuantizedDepthwiseConv2D" {
                    set("weight_quantizer", (get("weight_quantizer") ?? .object([])).setting("axis", to: .number(-2)))
                }
                guard validBitwidth(get("weight_quantizer")) else { return nil }
                bufferDefault()
                set("buffer_bitwidth", .number(Double(min(28, get("buffer_bitwidth")?.int ?? 28))))
            }
            guard validBitwidth(get("bias_quantizer")) else { return nil }
            var pairs = cfg.objectPairs ?? []
            pairs.removeAll { $0.0 == "padding_value" || $0.0 == "quant_config" }
            pairs.append(("quant_config", .object(qc)))
            if let pv = cfg["padding_value"] { pairs.append(("padding_value", pv)) }
            return .object(pairs)
        case "QuantizedReLU":
            if (cfg["negative_slope"]?.double ?? 0) != 0 || (cfg["threshold"]?.double ?? 0) != 0 { return nil }
            guard validBitwidth(get("max_value_quantizer"), signedDefault: false) else { return nil }
            if get("max_value_quantizer")?["signed"] != nil { return nil }
            bufferDefault()
            return .object(base + [("quant_config", .object(qc)), ("max_value", cfg["max_value"] ?? .null)])
        case "QuantizedGlobalAveragePooling2D":
            bufferDefault()
            return .object(base + keep(cfg, ["data_format", "keepdims"]) + [("quant_config", .object(qc))])
        case "QuantizedAdd":
            bufferDefault()
            return .object(base + [("average", .bool(false)), ("quant_config", .object(qc))])
        case "QuantizedConcatenate":
            return .object(base + keep(cfg, ["axis"]) + [("quant_config", .object(qc))])
        case "QuantizedMaxPool2D":
            return .object(base + keep(cfg, ["pool_size", "padding", "strides", "data_format"]))
        case "QuantizedRescaling":
            guard cfg["scale"]?.double != nil, (cfg["offset"]?.double ?? 1) == 0 else { return nil }
            return .object(base + keep(cfg, ["scale", "offset"]))
        case "QuantizedDropout":
            return .object(base + keep(cfg, ["rate", "noise_shape", "seed"]))
        case "QuantizedFlatten", "QuantizedReshape":
            // These constructors take no quant_config: a non-empty q_config entry keeps them float.
            guard qc.isEmpty || quantConfig.objectPairs == nil else { return nil }
            return .object(base + keep(cfg, qclass == "QuantizedFlatten" ? ["data_format"] : ["target_shape"]))
        default:
            return nil
        }
    }
}
