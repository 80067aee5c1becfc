// Normalization: the preprocessing layer `(x - mean) / max(sqrt(variance), 1e-7)` with the
// adapted statistics saved as its `mean` and `variance` variables (EfficientNet's stem), as
// tf_keras 2.19 evaluates it. Statistics given in the config and `invert` are refused.
import Tensors

public struct NormalizationLayer: KerasLayerType {
    public static let kerasClassNames = ["Normalization"]

    /// The axis the statistics are kept along (Keras axis, counted with the batch axis).
    public let axis: Int

    public init(className: String, config reader: ConfigReader) throws {
        let raw = reader.config["axis"] ?? .number(-1)
        let axes = raw.array ?? [raw]
        guard axes.count == 1, let axis = axes[0].int else {
            throw reader.error("only one statistics axis is supported, got \(raw)")
        }
        self.axis = axis
        if reader.bool("invert", default: false) {
            throw reader.error("invert = true is not supported (only normalisation)")
        }
        for key in ["mean", "variance"] where !(reader.config[key]?.isNull ?? true) {
            throw reader.error("statistics given in the config ('\(key)') are not supported; adapt the layer instead")
        }
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        _ = try inputs.featureAxis(axis)
        return inputs.first
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let shape = inputs.first ?? []
        // The axis was checked with the output shape; an axis out of range keeps no statistics.
        let a = axis < 0 ? shape.count + 1 + axis : axis
        let kept = a >= 1 && a <= shape.count ? [shape[a - 1]] : []
        return [
            WeightSlot(name: "mean", shape: kept, trainable: false),
            WeightSlot(name: "variance", shape: kept, trainable: false),
            WeightSlot(name: "count", shape: [], trainable: false, integer: true),
        ]
    }

    public func forward(
        _ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]
    ) throws
        -> FloatForward
    {
        let a = try inputs.featureAxis(axis)
        let mean = weights["mean"]?.scalars ?? [], variance = weights["variance"]?.scalars ?? []
        let divisor = variance.map { max($0.squareRoot(), 1e-7) }
        var statShape = [Int](repeating: 1, count: inputs.first.count + 1)
        statShape[a + 1] = mean.count
        let m = Tensor(shape: statShape, scalars: mean), d = Tensor(shape: statShape, scalars: divisor)
        return { x in try broadcastBinary(try broadcastBinary(x.removeLast(), m, -), d, /) }
    }
}
