// BatchNormalization: inference-time normalisation over the channel axis with the moving
// statistics, folded to one multiply-add per channel. QuantizedBatchNormalization shares its
// config and shape.
import Tensors

public struct BatchNormalizationLayer: KerasLayerType {
    public static let kerasClassNames = ["BatchNormalization"]
    public static let quantizedClassNames = ["QuantizedBatchNormalization"]

    public let epsilon: Float
    public let center: Bool
    public let scale: Bool

    public init(className: String, config reader: ConfigReader) throws {
        let config = reader.config
        let axis = config["axis"]?.array.map { $0 } ?? [config["axis"] ?? .number(-1)]
        guard axis.count == 1, axis[0].int != nil else {
            throw reader.error("only a single normalisation axis is supported, got \(config["axis"] ?? .null)")
        }
        epsilon = Float(config["epsilon"]?.double ?? 1e-3)
        center = reader.bool("center", default: true)
        scale = reader.bool("scale", default: true)
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] { inputs.first }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let channels = inputs.first?.last ?? 0
        return (scale ? [WeightSlot(name: "gamma", shape: [channels])] : [])
            + (center ? [WeightSlot(name: "beta", shape: [channels])] : [])
            + [
                WeightSlot(name: "moving_mean", shape: [channels], trainable: false),
                WeightSlot(name: "moving_variance", shape: [channels], trainable: false),
            ]
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        // Folded as TF's fused inference kernel does.
        let mean = weights["moving_mean"]?.scalars ?? [], variance = weights["moving_variance"]?.scalars ?? []
        let gamma = weights["gamma"]?.scalars ?? [Float](repeating: 1, count: mean.count)
        let beta = weights["beta"]?.scalars ?? [Float](repeating: 0, count: mean.count)
        let scale = (0..<mean.count).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        let offset = (0..<mean.count).map { beta[$0] - mean[$0] * scale[$0] }
        return { x in channelAffine(x.removeLast(), scale: scale, offset: offset) }
    }
}
