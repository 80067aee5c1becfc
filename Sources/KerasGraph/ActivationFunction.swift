// ActivationFunction: the built-in Keras activations (tf_keras 2.19 `keras.activations.get`
// names) and their float32 formulas, as TensorFlow evaluates them.
import Foundation
import Tensors

public enum ActivationFunction: String, CaseIterable, Sendable, Codable {
    case linear, relu, relu6, sigmoid, tanh, softmax
    case logSoftmax = "log_softmax"
    case swish, gelu
    case hardSigmoid = "hard_sigmoid"
    case leakyRelu = "leaky_relu"
    case elu, selu, softplus, softsign, exponential, mish
    /// QuantizeML's float Activation (the hard-swish MobileNetV3 spells out): `x * relu6(x + 3) / 6`.
    case hardSilu = "hard_silu"

    /// The names Keras accepts for these functions (tf_keras has no hard_silu).
    public static let kerasNames: [String] = allCases.filter { $0 != .hardSilu }.map(\.rawValue) + ["silu"]

    public init?(kerasName: String) {
        if kerasName == "silu" { self = .swish; return }
        guard kerasName != ActivationFunction.hardSilu.rawValue else { return nil }
        self.init(rawValue: kerasName)
    }

    /// The functions QuantizeML's own Activation layer (`Custom>Activation`) takes: Keras's and hard_silu.
    public init?(quantizeMLName name: String) {
        if name == ActivationFunction.hardSilu.rawValue { self = .hardSilu; return }
        self.init(kerasName: name)
    }

    /// Applies the function to `t` (softmax and log_softmax over the last axis).
    public func apply(_ t: __owned Tensor<Float>) throws -> Tensor<Float> {
        switch self {
        case .linear:
            return t
        case .softmax:
            return try Kernels.softmax(t, axis: max(t.rank - 1, 0))
        case .logSoftmax:
            // x - max - log(sum(exp(x - max))), per row of the last axis.
            let len = t.shape.last ?? 1
            var out = t.scalars
            if len > 0 {
                for start in stride(from: 0, to: out.count, by: len) {
                    let row = start..<(start + len)
                    let m = out[row].max() ?? 0
                    let logSum = Foundation.log(out[row].reduce(Float(0)) { $0 + expf($1 - m) })
                    for i in row { out[i] = out[i] - m - logSum }
                }
            }
            return Tensor(shape: t.shape, scalars: out)
        case .relu:
            return mapValues(t) { max($0, 0) }
        case .relu6:
            return mapValues(t) { min(max($0, 0), 6) }
        default:
            return mapValues(t, elementwise)
        }
    }

    /// Whether the function maps each value independently.
    public var isElementwise: Bool { self != .softmax && self != .logSoftmax }

    /// The scalar formula (identity for the non-elementwise functions).
    public var elementwise: (Float) -> Float {
        switch self {
        case .linear, .softmax, .logSoftmax: return { $0 }
        case .relu: return { max($0, 0) }
        case .relu6: return { min(max($0, 0), 6) }
        case .sigmoid: return sigmoidValue
        case .tanh: return { tanhf($0) }
        case .swish: return { $0 * sigmoidValue($0) }
        case .gelu: return { 0.5 * $0 * (1 + erff($0 * 0.70710678118654752)) }
        case .hardSigmoid: return { min(max(0.2 * $0 + 0.5, 0), 1) }
        case .leakyRelu: return { $0 >= 0 ? $0 : 0.2 * $0 }
        case .elu: return { $0 > 0 ? $0 : expm1f($0) }
        case .selu:
            return { x in
                let alpha: Float = 1.6732632423543772, scale: Float = 1.0507009873554805
                return x > 0 ? scale * x : scale * alpha * expm1f(x)
            }
        case .softplus: return softplusValue
        case .softsign: return { $0 / (1 + abs($0)) }
        case .exponential: return { expf($0) }
        case .mish: return { $0 * tanhf(softplusValue($0)) }
        case .hardSilu: return { $0 * min(max($0 + 3, 0), 6) / 6 }
        }
    }
}

func sigmoidValue(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// `log(1 + exp(x))` without overflow for large `x`.
func softplusValue(_ x: Float) -> Float { max(x, 0) + log1pf(expf(-abs(x))) }

/// Keras ReLU as tf_keras `backend.relu` computes it: `x` above the threshold (else 0),
/// clipped to [0, max_value] when there is a maximum, minus `negative_slope * (threshold - x)`
/// below the threshold.
func reluValue(_ x: Float, maxValue: Float?, threshold: Float, negativeSlope: Float) -> Float {
    if negativeSlope != 0, maxValue == nil, threshold == 0 { return x > 0 ? x : negativeSlope * x }
    var y = threshold != 0 ? (x > threshold ? x : 0) : max(x, 0)
    if let m = maxValue { y = min(max(y, 0), m) }
    if negativeSlope != 0 { y -= negativeSlope * max(threshold - x, 0) }
    return y
}
