// The values flowing through a quantized model, the op protocol every layer type builds, and
// the input adaptation the QuantizeML layers share (reference §7.0).
import Tensors

/// A tensor flowing through a quantized model.
public enum QValue: Sendable {
    /// An integer tensor not yet wrapped as a FixedPoint (typed model input), payload as Float.
    case raw(Tensor<Float>, DType)
    case quantized(QTensor)
    case float(Tensor<Float>)

    public var shape: [Int] {
        switch self {
        case .raw(let t, _), .float(let t): return t.shape
        case .quantized(let q): return q.shape
        }
    }

    /// The float value: a quantized tensor dequantized, an integer payload as it is.
    var floats: Tensor<Float> {
        switch self {
        case .raw(let t, _), .float(let t): return t
        case .quantized(let q): return Tensor(shape: q.shape, scalars: q.dequantized())
        }
    }
}

/// The integer op of one saved layer.
protocol LayerOp {
    func forward(_ inputs: [QValue]) throws -> QValue
    /// The integer quantities the layer derives from these inputs (what the reference's
    /// recorders hold and the Akida converter reads); nil when it derives none.
    func integers(_ inputs: [QValue]) throws -> LayerIntegers?
}

extension LayerOp {
    func integers(_ inputs: [QValue]) throws -> LayerIntegers? { nil }
}

/// Input adaptation shared by the layers (§7.0): raw integer tensors become FixedPoints;
/// the payload is promoted to `bits`, or expanded to a common frac bits when per-axis.
func adaptInput(_ value: QValue, layer: String, bits: Int?, expand: Bool, acceptQFloat: Bool = true) throws -> QTensor {
    var x: QTensor
    switch value {
    case .quantized(let q): x = q
    case .raw(let t, let dtype): x = wrapRaw(t, dtype)
    case .float(let t): x = wrapRaw(castToInputDType(t), .uint8)
    }
    if x.isQFloat && !acceptQFloat {
        throw QuantizedModelError.arithmetic(
            layer: layer, reason: "QFloat inputs are not accepted (FixedPoint or integer tensors only)")
    }
    guard let bits else { return x }
    if !x.isPerTensor && expand { return try x.expanded(to: bits) }
    return x.promoted(to: bits)
}

/// `FixedPoint(x, 8·bytes − signed, 0)` of an integer tensor.
func wrapRaw(_ t: Tensor<Float>, _ dtype: DType) -> QTensor {
    let signed = [DType.int8, .int16, .int32, .int64].contains(dtype)
    return QTensor(
        values: t.scalars, shape: t.shape, valueBits: dtype.byteSize * 8 - (signed ? 1 : 0),
        fracBits: ChannelParam(scalar: 0))
}

/// Float tensors fed to a quantized layer are cast to the default input dtype (uint8).
func castToInputDType(_ t: Tensor<Float>) -> Tensor<Float> {
    t.map { v in v.isNaN ? 0 : min(max(v.rounded(.towardZero), 0), 255) }
}

func expectQuantized(_ v: QValue, layer: String, what: String = "a quantized tensor") throws -> QTensor {
    guard case .quantized(let q) = v else {
        throw QuantizedModelError.arithmetic(layer: layer, reason: "expects \(what), got a float tensor")
    }
    return q
}

func applyOutputQuantizer(
    _ x: QTensor, _ oq: OutputQuantizerSpec?, memo: QuantizationMemo<OutputScaling>? = nil
) throws -> QTensor {
    guard let oq else { return x }
    return try outputQuantize(x, oq, memo: memo)
}

/// Passes its input through (the model input, QuantizedDropout).
struct IdentityOp: LayerOp {
    func forward(_ inputs: [QValue]) throws -> QValue { inputs[0] }
}
