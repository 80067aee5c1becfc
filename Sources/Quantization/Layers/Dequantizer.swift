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
    func forward(_ inputs: [QValue]) throws -> QValue {
        switch inputs[0] {
        case .quantized(let q): return .float(Tensor(shape: q.shape, scalars: q.dequantized()))
        case .float(let t), .raw(let t, _): return .float(t)
        }
    }
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
