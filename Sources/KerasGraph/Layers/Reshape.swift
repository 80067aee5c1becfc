// Reshape: a new feature shape over the same values, with at most one inferred (-1) axis.
// QuantizedReshape shares its config and shape.
import Tensors

public struct ReshapeLayer: KerasLayerType {
    public static let kerasClassNames = ["Reshape"]
    public static let quantizedClassNames = ["QuantizedReshape"]

    public let target: [Int]

    public init(className: String, config reader: ConfigReader) throws {
        guard let target = reader.config["target_shape"]?.array?.map({ $0.int ?? 0 }),
            target.allSatisfy({ ($0 > 0 && $0 <= LayerSpec.maxDimension) || $0 == -1 }),
            target.filter({ $0 == -1 }).count <= 1
        else {
            throw reader.error("target_shape must list positive sizes and at most one -1")
        }
        self.target = target
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let total = inputs.first.reduce(1, *)
        guard let known = elementCount(target.filter { $0 > 0 }) else {
            throw inputs.error("target_shape \(shapeText(target)) is too large")
        }
        if target.contains(-1) {
            guard known > 0, total % known == 0 else {
                throw inputs.error("cannot reshape \(shapeText(inputs.first)) to \(shapeText(target))")
            }
            return target.map { $0 == -1 ? total / known : $0 }
        }
        guard known == total else {
            throw inputs.error("cannot reshape \(shapeText(inputs.first)) (\(total) values) to \(shapeText(target))")
        }
        return target
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        reshapeForward(outputShape)
    }
}
