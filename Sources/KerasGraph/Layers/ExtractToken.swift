// ExtractToken: QuantizeML's `tf.gather(x, token, axis)` of one index along one axis (the
// stateful TENN takes the real part of a StatefulRecurrent output with token 0, axis -1).
// QuantizedExtractToken shares its config and shape.
import Tensors

public struct ExtractTokenLayer: KerasLayerType {
    public static let kerasClassNames = ["ExtractToken"]
    public static let quantizedClassNames = ["QuantizedExtractToken"]

    public let token: Int
    public let axis: Int

    public init(className: String, config reader: ConfigReader) throws {
        guard let token = reader.config["token"]?.int, token >= 0 else {
            throw reader.error("'token' must be a non-negative integer index")
        }
        self.token = token
        axis = reader.config["axis"]?.int ?? 1
    }

    /// The gathered axis within the feature shape (batch axis excluded).
    func featureAxis(_ inputs: ShapeInputs) throws -> Int {
        try inputs.featureAxis(axis)
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let a = try featureAxis(inputs)
        guard token < inputs.first[a] else {
            throw inputs.error("token \(token) is out of range for axis \(axis) of size \(inputs.first[a])")
        }
        var shape = inputs.first
        shape.remove(at: a)
        return shape
    }

    public func forward(
        _ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]
    ) throws -> FloatForward {
        let a = try featureAxis(inputs) + 1
        let token = self.token
        return { x in Self.gather(x.removeLast(), token: token, axis: a) }
    }

    /// The slice `token` of axis `axis` (batch axis counted) of `x`.
    public static func gather<T>(_ x: Tensor<T>, token: Int, axis: Int) -> Tensor<T> {
        let outer = x.shape[..<axis].reduce(1, *), size = x.shape[axis]
        let inner = x.shape[(axis + 1)...].reduce(1, *)
        var out: [T] = []
        out.reserveCapacity(outer * inner)
        for o in 0..<outer {
            let start = (o * size + token) * inner
            out.append(contentsOf: x.scalars[start..<(start + inner)])
        }
        var shape = x.shape
        shape.remove(at: axis)
        return Tensor(shape: shape, scalars: out)
    }
}
