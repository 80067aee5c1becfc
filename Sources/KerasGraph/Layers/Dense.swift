// Dense: a fully connected layer over the last axis with its fused activation. QuantizedDense
// (QuantizeML and legacy CNN2SNN) shares its config and shape.
import Tensors

public struct DenseLayer: KerasLayerType {
    public static let kerasClassNames = ["Dense"]
    public static let quantizedClassNames = ["QuantizedDense"]

    public let units: Int
    public let useBias: Bool
    public let activation: ActivationFunction

    public init(className: String, config reader: ConfigReader) throws {
        units = try reader.positiveInt("units")
        useBias = reader.bool("use_bias", default: true)
        activation = try reader.activation()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        guard !inputs.first.isEmpty else { throw inputs.error("needs an input with a feature axis") }
        return inputs.first.dropLast() + [units]
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return [WeightSlot(name: "kernel", shape: [channels, units])]
            + (useBias ? [WeightSlot(name: "bias", shape: [units])] : [])
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let kernel = weights["kernel"] ?? Tensor(shape: [0], scalars: [])
        let (bias, activation) = (weights["bias"]?.scalars, self.activation)
        return { x in try activation.apply(Kernels.dense(x[0], kernel: kernel, bias: bias)) }
    }
}
