// QuantizedRescaling (reference §7.2): multiplies the scales by `scale` (the payload is
// untouched); a non-zero offset must have been folded into the next layer by sanitizing.
import KerasGraph

enum QuantizedRescaling: QuantizedLayerType {
    static let className = "QuantizedRescaling"
    static let floatClasses = ["Rescaling"]
    static let holdsOutputQuantizer = false

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        let cfg = node.config
        guard cfg["scale"]?.double != nil, (cfg["offset"]?.double ?? 1) == 0 else { return nil }
        return .object(kept(cfg, ["scale", "offset"]))
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { try RescalingOp(layer) }
}

struct RescalingOp: LayerOp {
    let name: String
    let scale: ChannelParam

    init(_ layer: QuantizedLayer) throws {
        name = layer.name
        let r = LayerConfigReader(layer: layer)
        if let s = layer.config["scale"]?.double {
            scale = ChannelParam(scalar: Float(s))
        } else if let a = layer.config["scale"]?.array?.compactMap({ $0.double }), !a.isEmpty {
            scale = ChannelParam(perChannel: a.map(Float.init))
        } else {
            throw r.fail("scale is missing")
        }
        if let o = layer.config["offset"]?.double, o != 0 {
            throw r.fail("offset \(o) must be 0 in a quantized Rescaling (it is folded into the next layer)")
        }
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try adaptInput(inputs[0], layer: name, bits: nil, expand: false)
        guard scale.fits(channels: x.channels) else {
            throw QuantizerError.channelMismatch(variable: "scale", count: scale.values.count, channels: x.channels)
        }
        x.scales = x.scales.map { $0.combined(scale) { $0 * $1 } } ?? scale
        return .quantized(x)
    }
}
