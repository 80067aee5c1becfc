// ZeroPadding2D: zeros around the height and width axes.
import Tensors

public struct ZeroPadding2DLayer: KerasLayerType {
    public static let kerasClassNames = ["ZeroPadding2D"]

    public let padding: Padding2D

    public init(className: String, config reader: ConfigReader) throws {
        try reader.requireChannelsLast()
        padding = try reader.zeroPadding()
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (h, w, c) = try inputs.image("ZeroPadding2D")
        return [h + padding.top + padding.bottom, w + padding.left + padding.right, c]
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        let padding = self.padding
        return { x in try Kernels.pad2D(x[0], padding: padding) }
    }
}
