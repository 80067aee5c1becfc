// ReLU: the Keras ReLU layer (max_value, threshold, negative_slope), as tf_keras computes it.
// QuantizedReLU (QuantizeML, and legacy CNN2SNN with its `bitwidth`) shares its config and shape.
import Tensors

public struct ReLULayer: KerasLayerType {
    public static let kerasClassNames = ["ReLU"]
    public static let quantizedClassNames = ["QuantizedReLU"]

    public let maxValue: Float?
    public let threshold: Float
    public let negativeSlope: Float

    public init(className: String, config reader: ConfigReader) throws {
        let config = reader.config
        var maxValue: Float?
        if let m = config["max_value"], !m.isNull {
            guard let v = m.double, v >= 0 else { throw reader.error("max_value must be a non-negative number") }
            maxValue = Float(v)
        }
        let slope = config["negative_slope"]?.double ?? 0
        guard slope >= 0 else { throw reader.error("negative_slope must be non-negative") }
        self.maxValue = maxValue
        threshold = Float(config["threshold"]?.double ?? 0)
        negativeSlope = Float(slope)
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] { inputs.first }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let (maxValue, threshold, slope) = (self.maxValue, self.threshold, negativeSlope)
        if threshold == 0, slope == 0 {
            // The common bounded/unbounded ReLU: one clamp per value, vectorised.
            let upper = maxValue ?? .infinity
            return { x in mapValues(x.removeLast()) { min(max($0, 0), upper) } }
        }
        return { x in
            mapValues(x.removeLast()) { reluValue($0, maxValue: maxValue, threshold: threshold, negativeSlope: slope) }
        }
    }
}
