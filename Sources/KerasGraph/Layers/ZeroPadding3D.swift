// ZeroPadding3D: zeros around the three spatial axes of (T, H, W, C) volumes (akida_models pads
// the time axis before its causal temporal Conv3D layers).
import Tensors

public struct ZeroPadding3DLayer: KerasLayerType {
    public static let kerasClassNames = ["ZeroPadding3D"]

    public let padding: Padding3D

    public init(className: String, config reader: ConfigReader) throws {
        try reader.requireChannelsLast()
        let raw = reader.config["padding"] ?? .number(1)
        let limit = LayerSpec.maxDimension
        let items = raw.array
        if let v = raw.int, (0...limit).contains(v) {
            padding = Padding3D(before: [v, v, v], after: [v, v, v])
        } else if let items, items.count == 3, let s = Optional(items.compactMap(\.int)), s.count == 3,
            s.allSatisfy({ (0...limit).contains($0) })
        {
            padding = Padding3D(before: s, after: s)
        } else if let items, items.count == 3,
            let pairs = Optional(items.compactMap { $0.array?.compactMap(\.int) }), pairs.count == 3,
            pairs.allSatisfy({ $0.count == 2 && $0.allSatisfy { (0...limit).contains($0) } })
        {
            padding = Padding3D(before: pairs.map { $0[0] }, after: pairs.map { $0[1] })
        } else {
            throw reader.error(
                "padding \(raw) must be n, (a, b, c) or three (before, after) pairs of non-negative integers")
        }
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let v = try inputs.volume("ZeroPadding3D")
        return (0..<3).map { v[$0] + padding.before[$0] + padding.after[$0] } + [v[3]]
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let padding = self.padding
        return { x in try Kernels.pad3D(x[0], padding: padding) }
    }
}
