// LayerIntegers: the integer quantities a quantized layer derives from its float variables and
// from the quantization of its inputs — what QuantizeML's recorders hold after a forward pass,
// and what the Akida converter reads. Each layer type's op fills them (`LayerOp.integers`) from
// the same functions it computes with, so a converted model and the engine cannot disagree.
import Tensors

/// Integer quantities of one layer; payloads are integers held in Float32 (as in `QTensor`).
/// An absent entry means the layer has no such quantizer.
public struct LayerIntegers: Equatable, Sendable {
    /// Integer kernel (`weight_quantizer`; `dw_weight_quantizer` of a separable layer).
    public var kernel: Tensor<Float>?
    /// Integer pointwise kernel of a separable layer (`pw_weight_quantizer`).
    public var pointwiseKernel: Tensor<Float>?
    /// Bias aligned on the accumulator's frac bits, and the left shift that aligned it.
    public var bias: [Float]?
    public var biasShift: [Float]?
    /// Per-channel left shift that expands a per-axis input to per-tensor frac bits (weight
    /// layers: per-axis inputs only; GlobalAveragePooling2D and Flatten: always).
    public var inputShift: [Float]?
    /// Padding value of a convolution that pads itself, aligned on its input.
    public var paddingValue: [Float]?
    /// ReLU `max_value` aligned on its input, and the left shift that aligned it.
    public var maxValue: [Float]?
    public var maxValueShift: [Float]?
    /// OutputQuantizer: scale mantissas (QFloat inputs only) and the shift to the output frac bits.
    public var outputScales: [Float]?
    public var outputShift: [Float]?
    /// QuantizedAdd: left shifts aligning each input on the larger frac bits.
    public var aShift: [Float]?
    public var bShift: [Float]?
    /// InputQuantizer: output frac bits; Dequantizer: frac bits of its input.
    public var fracBits: [Float]?
    /// Dequantizer: the scales of its QFloat input.
    public var scales: [Float]?
    /// Unsigned InputQuantizer: the zero-point payload (one value, or one per channel).
    public var zeroPoints: [Float]?
    /// StatefulRecurrent: the scale mantissas and shifts that turn its input into the new state.
    public var newStateScale: [Float]?
    public var newStateShift: [Float]?

    public init() {}

    mutating func setOutput(_ x: QTensor, _ oq: OutputQuantizerSpec?) {
        guard let o = outputQuantizerIntegers(x, oq) else { return }
        outputScales = o.scales?.values
        outputShift = o.shift.values
    }

    /// What every weight layer ends with: its bias aligned onto the accumulator of input `x`
    /// (`bufferBits` wide, `scales`) and the output quantizer's integers.
    mutating func setBiasAndOutput(
        bias: Tensor<Float>?, bits: Int, signed: Bool, input x: QTensor, scales: ChannelParam, bufferBits: Int,
        _ oq: OutputQuantizerSpec?
    ) throws {
        let acc = QTensor(
            values: [], shape: [scales.values.count], valueBits: bufferBits, fracBits: x.fracBits, scales: scales)
        if let bias {
            let b = try alignedQuantize(
                bias.scalars, bIsScalar: bias.shape.isEmpty, onto: acc, bits: bits, signed: signed)
            self.bias = b.values.values
            biasShift = b.shifts
        }
        setOutput(acc, oq)
    }
}

/// The left shifts that expand `x` to its largest frac bits.
func expandShifts(_ x: QTensor) -> [Float] {
    let top = x.fracBits.maximum
    return x.fracBits.values.map { top - $0 }
}

extension QuantizedEngine {
    /// Runs the model on `input` and returns, by layer name, the integer quantities of every
    /// layer that has some (weight layers, ReLU, pooling, Add, input quantizer, dequantizer).
    /// Apart from an unsigned InputQuantizer's input, none depends on the input's values.
    public func layerIntegers(_ input: NDArray) throws -> [String: LayerIntegers] {
        let values = try evaluate(input, keepAll: true)
        var out: [String: LayerIntegers] = [:]
        for (i, layer) in model.layers.enumerated() {
            let op = ops[i]
            let ins = inputIndices[i].compactMap { values[$0] }
            guard !ins.isEmpty, ins.count == inputIndices[i].count else { continue }
            out[layer.name] = try reportingLayer(layer.name) { try op.integers(ins) }
        }
        return out
    }
}
