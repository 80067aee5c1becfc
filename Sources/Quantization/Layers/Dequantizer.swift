// Dequantizer (reference §3.6, §7.16): turns a quantized tensor back into floats before the
// float tail; inserted by the pipeline, it quantizes no float class.
import KerasGraph
import Tensors

enum Dequantizer: QuantizedLayerType {
    static let className = "Dequantizer"
    static let equalization = EqualizationRole.passes

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { DequantizerOp() }
}

struct DequantizerOp: LayerOp {
    func forward(_ inputs: [QValue]) throws -> QValue { .float(inputs[0].floats) }
}

extension DequantizerOp {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? {
        guard case .quantized(let x) = inputs[0] else { return nil }
        var r = LayerIntegers()
        r.fracBits = x.fracBits.values
        r.scales = x.scales?.values
        return r
    }
}
