// GlobalPooling1D: GlobalAveragePooling1D and GlobalMaxPooling1D over the timesteps of a
// (timesteps, channels) sequence (keepdims keeps one timestep).
import Tensors

public struct GlobalPooling1DLayer: KerasLayerType {
    public static let kerasClassNames = ["GlobalAveragePooling1D", "GlobalMaxPooling1D"]
    public static let aliasClassNames = ["GlobalAvgPool1D", "GlobalMaxPool1D"]

    public let kind: PoolKind
    public let keepDims: Bool

    public init(className: String, config reader: ConfigReader) throws {
        try reader.requireChannelsLast()
        kind = className.contains("Max") ? .max : .average
        keepDims = reader.bool("keepdims", default: false)
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (_, c) = try inputs.sequence("global 1-D pooling")
        return keepDims ? [1, c] : [c]
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let kind: Kernels.PoolKind = self.kind == .max ? .max : .average
        let keepDims = self.keepDims
        return { x in
            // A sequence (N, T, C) pools as the image (N, T, 1, C).
            let seq = x.removeLast()
            let pooled = try Kernels.globalPool2D(
                seq.reshaped([seq.shape[0], seq.shape[1], 1, seq.shape[2]]), kind: kind)
            return keepDims ? pooled.reshaped([pooled.shape[0], 1, pooled.shape[1]]) : pooled
        }
    }
}
