// InputLayer: a model input — its fixed feature shape (from `batch_input_shape` or, in newer
// configs, `batch_shape`) and numeric dtype. The float engine feeds the batch through unchanged.
import Tensors

public struct InputLayer: KerasLayerType {
    public static let kerasClassNames = ["InputLayer"]

    /// The feature shape (batch axis excluded).
    public let shape: [Int]
    public let dtype: DType

    public init(className: String, config reader: ConfigReader) throws {
        let config = reader.config
        guard let dims = (config["batch_input_shape"] ?? config["batch_shape"])?.array, !dims.isEmpty else {
            throw reader.error("no batch_input_shape")
        }
        shape = try dims.dropFirst().map { d -> Int in
            guard let v = d.int, v > 0, v <= LayerSpec.maxDimension else {
                throw reader.error(
                    "input dimensions must be fixed positive integers, got \(config["batch_input_shape"] ?? .null)")
            }
            return v
        }
        let dtypeName = config["dtype"]?.string ?? "float32"
        guard let dtype = DType(rawValue: dtypeName), dtype != .bool else {
            throw reader.error("input dtype '\(dtypeName)' is not numeric")
        }
        self.dtype = dtype
    }

    public var arity: Int? { 0 }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] { shape }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) -> FloatForward {
        { $0.removeLast() }
    }
}
