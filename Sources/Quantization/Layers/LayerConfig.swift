// Reading a saved quantized layer: typed accessors of its Keras config and variables that fail
// with the layer's name instead of crashing on malformed files; quant_config goes through
// QuantConfig, whose defaults are the reference's.
import KerasGraph
import Tensors

struct LayerConfigReader {
    let layer: QuantizedLayer

    var config: JSONValue { layer.config }
    var quantConfig: QuantConfig { QuantConfig(layerConfig: layer.config) }

    func fail(_ reason: String) -> QuantizedModelError {
        .invalidModel(layer: layer.name, reason: reason)
    }

    func int(_ key: String) -> Int? { config[key]?.int }

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

    /// The layer's OutputQuantizer with its calibrated variables, if it has one.
    func outputQuantizer() throws -> OutputQuantizerSpec? {
        guard let oq = quantConfig.outputQuantizer else { return nil }
        guard let bitwidth = oq.bitwidth else { throw fail("output_quantizer has no bitwidth") }
        guard bitwidth >= (oq.signed ? 2 : 1) else {
            throw fail("Bitwidth should be an int >= \(oq.signed ? 2 : 1), currently \(bitwidth)")
        }
        if let axis = oq.axis, axis != "per-tensor" && axis != "per-axis" {
            throw fail("Only support reduction 'per-tensor' or 'per-axis'. Given \(axis).")
        }
        return OutputQuantizerSpec(
            bitwidth: bitwidth, signed: oq.signed, scaleBits: oq.scaleBits,
            bufferBitwidth: oq.bufferBitwidth,
            rangeMax: try channelParam("output_quantizer/range_max"),
            rescalingRate: try channelParam("output_quantizer/rescaling_rate"))
    }
}
