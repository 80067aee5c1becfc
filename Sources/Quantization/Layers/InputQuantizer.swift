// InputQuantizer (reference §3.5, §7.1): quantizes the float model input with its calibrated
// range; inserted by the pipeline, it quantizes no float class.
import KerasGraph

enum InputQuantizer: QuantizedLayerType {
    static let className = "InputQuantizer"

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { try InputQuantizerOp(layer) }
}

struct InputQuantizerOp: LayerOp {
    let name: String
    let spec: InputQuantizerSpec

    init(_ layer: QuantizedLayer) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        let signed = r.bool("signed", default: true)
        let bitwidth = r.int("bitwidth") ?? QuantConfig.defaultBitwidth
        guard bitwidth >= (signed ? 2 : 1) else {
            throw r.fail("Bitwidth should be an int >= \(signed ? 2 : 1), currently \(bitwidth)")
        }
        spec = InputQuantizerSpec(
            bitwidth: bitwidth, signed: signed,
            rangeMin: try r.channelParam("range_min"), rangeMax: try r.channelParam("range_max"))
        let badRange = spec.rangeMax.combined(spec.rangeMin) { $0 < $1 ? 1 : 0 }.values.contains(1)
        if badRange { throw r.fail("range_max must be higher or equal than range_min.") }
        if !signed && spec.rangeMin.values.contains(where: { $0 > 0 }) {
            throw r.fail("range_min > 0 is not allowed (HW constraint).")
        }
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        guard case .float(let t) = inputs[0] else {
            throw QuantizedModelError.arithmetic(layer: name, reason: "InputQuantizer only accepts float inputs")
        }
        return .quantized(try inputQuantize(t.scalars, shape: t.shape, spec))
    }
}

extension InputQuantizerOp {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        var r = LayerIntegers()
        r.fracBits = spec.fracBits.values
        r.zeroPoints = spec.zeroPoints?.values
        return r
    }
}
