// KerasLayerType: what one Keras layer family owns in the float stage — the class names it
// answers to (Keras names and aliases, and the QuantizeML/CNN2SNN variants that share its
// config and shape), config decoding, output shape, the variables Keras creates and float32
// inference. Each family is one file in Layers/, registered in `LayerRegistry.types`.
import Tensors

/// The float32 computation of one layer on a batch. It may take its inputs out of the array, so
/// that value-wise layers reuse the buffer of an input nobody else holds.
public typealias FloatForward = @Sendable (inout [Tensor<Float>]) throws -> Tensor<Float>

public protocol KerasLayerType: Sendable {
    /// Keras class names listed as supported, in the order error messages list them.
    static var kerasClassNames: [String] { get }
    /// Further names decoded by this type but not listed: Keras aliases, QuantizeML float layers.
    static var aliasClassNames: [String] { get }
    /// QuantizeML and legacy CNN2SNN classes whose config and output shape are this type's.
    /// Only shape inference reads them: the float engine does not run quantized layers.
    static var quantizedClassNames: [String] { get }

    /// Decodes a layer of `className` (one of the names above, without registration prefix).
    init(className: String, config: ConfigReader) throws

    /// Number of inputs the layer takes (nil: two or more).
    var arity: Int? { get }

    /// The output shape (batch axis excluded). The caller has checked the arity and the size of
    /// the inputs, and checks the size of the result.
    func outputShape(_ inputs: ShapeInputs) throws -> [Int]

    /// The variables Keras creates for this layer on inputs of `inputs` shapes, in save order.
    func weightSlots(_ inputs: [[Int]]) -> [WeightSlot]

    /// The float computation on inputs of `inputs` shapes, with the saved weights keyed by slot name.
    func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) throws -> FloatForward
}

extension KerasLayerType {
    public static var aliasClassNames: [String] { [] }
    public static var quantizedClassNames: [String] { [] }
    public var arity: Int? { 1 }
    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] { [] }
}

/// The input shapes of one layer (batch axis excluded) and the checks shape rules share; every
/// error names the layer.
public struct ShapeInputs {
    public let shapes: [[Int]]
    public let layer: String
    public let className: String

    public init(_ shapes: [[Int]], layer: String, className: String) {
        self.shapes = shapes
        self.layer = layer
        self.className = className
    }

    /// The first (for most layers, the only) input shape.
    public var first: [Int] { shapes[0] }

    public func error(_ reason: String) -> LayerError {
        .invalidInput(layer: layer, className: className, reason: reason)
    }

    /// The first input as (height, width, channels).
    public func image(_ what: String) throws -> (height: Int, width: Int, channels: Int) {
        guard first.count == 3 else {
            throw error("\(what) expects (height, width, channels) inputs, got \(shapeText(first))")
        }
        return (first[0], first[1], first[2])
    }

    /// Output height and width of a 2-D window sliding over the first input.
    public func window(_ kernel: [Int], _ strides: [Int], _ padding: PaddingMode) throws -> (height: Int, width: Int) {
        let (h, w, _) = try image("a 2-D window")
        let g = windowGeometry2D(
            height: h, width: w, kernel: (kernel[0], kernel[1]), strides: (strides[0], strides[1]), mode: padding)
        guard g.height > 0, g.width > 0 else {
            throw error(
                "a \(kernel[0])x\(kernel[1]) window with '\(padding.rawValue)' padding does not fit a \(h)x\(w) input")
        }
        return (g.height, g.width)
    }

    /// Index in the first input's shape of a Keras axis (counted with the batch axis).
    public func featureAxis(_ axis: Int) throws -> Int {
        try KerasGraph.featureAxis(axis, rank: first.count, fail: error)
    }
}

/// The padding TensorFlow applies for a 2-D window over an input of `input` (height, width, ...).
func windowPadding(_ input: [Int], _ kernel: [Int], _ strides: [Int], _ mode: PaddingMode) -> Padding2D {
    windowGeometry2D(
        height: input[0], width: input[1], kernel: (kernel[0], kernel[1]), strides: (strides[0], strides[1]),
        mode: mode
    ).padding
}
