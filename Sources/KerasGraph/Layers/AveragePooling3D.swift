// AveragePooling3D: average windows over (T, H, W, C) volumes (strides default to the pool size).
// akida_models pools the spatial axes of its spatio-temporal TENNs with it; their streaming form
// has a GlobalAveragePooling2D instead (Quantization's ReplaceConv3D pass).
import Tensors

public struct AveragePooling3DLayer: KerasLayerType {
    public static let kerasClassNames = ["AveragePooling3D"]
    public static let aliasClassNames = ["AvgPool3D"]

    public let pool: [Int]
    public let strides: [Int]
    public let padding: PaddingMode

    public init(className: String, config reader: ConfigReader) throws {
        pool = try reader.triple("pool_size", default: 2)
        strides = (reader.config["strides"]?.isNull ?? true) ? pool : try reader.triple("strides")
        padding = try reader.padding()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        try inputs.window3D(pool, strides, padding).map(\.output) + [inputs.first[3]]
    }

    public func forward(
        _ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]
    ) throws
        -> FloatForward
    {
        let geometry = try inputs.window3D(pool, strides, padding)
        let padding = Padding3D(before: geometry.map(\.padBefore), after: geometry.map(\.padAfter))
        let (pool, strides) = (self.pool, self.strides)
        return { x in try Kernels.averagePool3D(x[0], pool: pool, strides: strides, padding: padding) }
    }
}
