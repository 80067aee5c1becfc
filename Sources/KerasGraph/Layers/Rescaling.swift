// Rescaling: `x * scale + offset`, each one value or one per channel. QuantizedRescaling shares
// its config and shape.
import Tensors

public struct RescalingLayer: KerasLayerType {
    public static let kerasClassNames = ["Rescaling"]
    public static let quantizedClassNames = ["QuantizedRescaling"]

    public let scale: [Float]
    public let offset: [Float]

    public init(className: String, config reader: ConfigReader) throws {
        scale = try reader.floats("scale", default: 1)
        offset = try reader.floats("offset", default: 0)
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let channels = inputs.first.last ?? 1
        for (what, values) in [("scale", scale), ("offset", offset)] where values.count != 1 && values.count != channels
        {
            throw inputs.error("\(values.count) \(what) values do not broadcast over \(channels) channels")
        }
        return inputs.first
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let channels = inputs.first.last ?? 1
        let s = scale.count == 1 ? [Float](repeating: scale[0], count: channels) : scale
        let o = offset.count == 1 ? [Float](repeating: offset[0], count: channels) : offset
        return { x in channelAffine(x.removeLast(), scale: s, offset: o) }
    }
}
