// Stride: akida_models' temporal subsampling of a (timesteps, channels) sequence, keeping
// timesteps stride-1, 2·stride-1, ... (a training-form TENN layer).
import Tensors

public struct StrideLayer: KerasLayerType {
    public static let kerasClassNames = ["Stride"]

    public let stride: Int

    public init(className: String, config reader: ConfigReader) throws {
        stride = try reader.positiveInt("stride")
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (t, c) = try inputs.sequence("Stride")
        return [Sequence1D.subsampledLength(t, factor: stride), c]
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let stride = self.stride
        return { x in Sequence1D.subsample(x.removeLast(), factor: stride) }
    }
}
