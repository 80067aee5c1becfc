// StatefulProjection: QuantizeML's Dense over the channels of a (timesteps, channels) sequence,
// after an optional timestep subsampling (`x[:, (s - 1)::s, :]`). QuantizedStatefulProjection
// shares its config and shape.
import Tensors

public struct StatefulProjectionLayer: KerasLayerType {
    public static let kerasClassNames = ["StatefulProjection"]
    public static let quantizedClassNames = ["QuantizedStatefulProjection"]

    public let units: Int
    public let useBias: Bool
    public let subsample: Int
    public let activation: ActivationFunction

    public init(className: String, config reader: ConfigReader) throws {
        units = try reader.positiveInt("units")
        useBias = reader.bool("use_bias", default: true)
        subsample = try reader.positiveInt("subsample", default: 1)
        activation = try reader.activation()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (t, _) = try inputs.sequence("StatefulProjection")
        guard t % subsample == 0 else {
            throw inputs.error("\(t) timesteps are not a multiple of the subsample ratio \(subsample)")
        }
        return [t / subsample, units]
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return [WeightSlot(name: "kernel", shape: [channels, units])]
            + (useBias ? [WeightSlot(name: "bias", shape: [units])] : [])
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let kernel = weights["kernel"] ?? Tensor(shape: [0], scalars: [])
        let (bias, activation, subsample) = (weights["bias"]?.scalars, self.activation, self.subsample)
        return { x in
            let kept = Sequence1D.subsample(x.removeLast(), factor: subsample)
            return try activation.apply(Kernels.dense(kept, kernel: kernel, bias: bias))
        }
    }
}
