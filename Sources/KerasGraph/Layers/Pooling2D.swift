// Pooling2D: MaxPooling2D and AveragePooling2D windows (strides default to the pool size).
// QuantizeML's QuantizedMaxPool2D shares their config and shape; QuantizeML 1.2.5 has no quantized
// average pooling (Quantization's AveragePooling2D says why).
import Tensors

public struct Pooling2DLayer: KerasLayerType {
    public static let kerasClassNames = ["MaxPooling2D", "AveragePooling2D"]
    public static let aliasClassNames = ["MaxPool2D", "AvgPool2D"]
    public static let quantizedClassNames = ["QuantizedMaxPool2D"]

    public let kind: PoolKind
    public let pool: [Int]
    public let strides: [Int]
    public let padding: PaddingMode

    public init(className: String, config reader: ConfigReader) throws {
        kind = className.contains("Max") ? .max : .average
        pool = try reader.pair("pool_size", default: 2)
        strides = (reader.config["strides"]?.isNull ?? true) ? pool : try reader.pair("strides")
        padding = try reader.padding()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (h, w) = try inputs.window(pool, strides, padding)
        return [h, w, inputs.first[2]]
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let padding = windowPadding(inputs.first, pool, strides, self.padding)
        let kind: Kernels.PoolKind = self.kind == .max ? .max : .average
        let (pool, strides) = ((self.pool[0], self.pool[1]), (self.strides[0], self.strides[1]))
        return { x in try Kernels.pool2D(x[0], kind: kind, pool: pool, strides: strides, padding: padding) }
    }
}
