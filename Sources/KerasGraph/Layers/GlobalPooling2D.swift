// GlobalPooling2D: GlobalAveragePooling2D and GlobalMaxPooling2D over height and width (keepdims
// keeps a 1x1 image). QuantizeML's QuantizedGlobalAveragePooling2D shares its config and shape.
import Tensors

public struct GlobalPooling2DLayer: KerasLayerType {
    public static let kerasClassNames = ["GlobalAveragePooling2D", "GlobalMaxPooling2D"]
    public static let aliasClassNames = ["GlobalAvgPool2D", "GlobalMaxPool2D"]
    public static let quantizedClassNames = ["QuantizedGlobalAveragePooling2D"]

    public let kind: PoolKind
    public let keepDims: Bool

    public init(className: String, config reader: ConfigReader) throws {
        try reader.requireChannelsLast()
        kind = className.contains("Max") ? .max : .average
        keepDims = reader.bool("keepdims", default: false)
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (_, _, c) = try inputs.image("global pooling")
        return keepDims ? [1, 1, c] : [c]
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let kind: Kernels.PoolKind = self.kind == .max ? .max : .average
        let keepDims = self.keepDims
        return { x in
            let pooled = try Kernels.globalPool2D(x[0], kind: kind)
            return keepDims ? pooled.reshaped([pooled.shape[0], 1, 1, pooled.shape[1]]) : pooled
        }
    }
}
