// Reading a quantized layer's Keras config and quant_config: typed accessors that fail with
// the layer's name instead of crashing on malformed files, and the quantizer settings with
// QuantizeML's class defaults.
import KerasGraph
import Tensors

struct LayerConfigReader {
    let layer: QuantizedLayer

    var config: JSONValue { layer.config }
    var quantConfig: JSONValue { layer.quantConfig ?? .object([]) }

    func fail(_ reason: String) -> QuantizedModelError {
        .invalidModel(layer: layer.name, reason: reason)
    }

    func int(_ key: String, in object: JSONValue? = nil) -> Int? { (object ?? config)[key]?.int }

    func bool(_ key: String, default value: Bool) -> Bool { config[key]?.bool ?? value }

    func string(_ key: String) -> String? { config[key]?.string }

    /// A Keras pair such as `kernel_size: [3, 3]` (a single int is accepted for both).
    func pair(_ key: String) throws -> (Int, Int) {
        guard let v = config[key] else { throw fail("config has no '\(key)'") }
        if let i = v.int { return (i, i) }
        guard let a = v.array, a.count == 2, let x = a[0].int, let y = a[1].int else {
            throw fail("'\(key)' should be a pair of integers, found \(v)")
        }
        return (x, y)
    }

    func padding() throws -> Bool {
        switch string("padding") ?? "valid" {
        case "same": return true
        case "valid": return false
        case let other: throw fail("padding '\(other)' is not supported (same or valid)")
        }
    }

    func requireChannelsLast() throws {
        if let f = string("data_format"), f != "channels_last" {
            throw fail("data_format '\(f)' is not supported: quantized layers are channels_last")
        }
    }

    func variable(_ name: String) throws -> Tensor<Float> {
        guard let v = layer.variable(name) else { throw fail("the file has no variable '\(name)'") }
        return v
    }

    /// A 0-d variable is a scalar parameter, a 1-d one is per channel.
    func channelParam(_ name: String) throws -> ChannelParam {
        let v = try variable(name)
        return v.shape.isEmpty ? ChannelParam(scalar: v.scalars[0]) : ChannelParam(perChannel: v.scalars)
    }

    /// `buffer_bitwidth` of quant_config (QuantizeML default 32).
    var bufferBitwidth: Int { int("buffer_bitwidth", in: quantConfig) ?? 32 }

    func bits(_ quantizer: String, default value: Int) -> Int {
        quantConfig[quantizer].flatMap { int("bitwidth", in: $0) } ?? value
    }

    func signed(_ quantizer: String, default value: Bool) -> Bool {
        quantConfig[quantizer]?["signed"]?.bool ?? value
    }

    /// The layer's OutputQuantizer with its calibrated variables, if it has one.
    func outputQuantizer() throws -> OutputQuantizerSpec? {
        guard let oq = quantConfig["output_quantizer"], oq.objectPairs != nil else { return nil }
        guard let bitwidth = int("bitwidth", in: oq) else { throw fail("output_quantizer has no bitwidth") }
        let signed = oq["signed"]?.bool ?? true
        guard bitwidth >= (signed ? 2 : 1) else {
            throw fail("Bitwidth should be an int >= \(signed ? 2 : 1), currently \(bitwidth)")
        }
        if let axis = oq["axis"]?.string, axis != "per-tensor" && axis != "per-axis" {
            throw fail("Only support reduction 'per-tensor' or 'per-axis'. Given \(axis).")
        }
        return OutputQuantizerSpec(bitwidth: bitwidth, signed: signed,
                                   scaleBits: int("scale_bits", in: oq) ?? 8,
                                   bufferBitwidth: int("buffer_bitwidth", in: oq) ?? 32,
                                   rangeMax: try channelParam("output_quantizer/range_max"),
                                   rescalingRate: try channelParam("output_quantizer/rescaling_rate"))
    }
}
