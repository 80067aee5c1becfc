// LayerSpec: one standard Keras layer decoded from its config alone (no weights) by the type
// its class registers, with the checks every output shape passes (arity, size limits); plus
// the layer error vocabulary and the shape helpers the layer types share.
import Diagnostics
import Tensors

/// Errors in a layer's config, weights or inputs, naming the layer.
public enum LayerError: UserFacingError, Equatable {
    case invalidConfig(layer: String, className: String, reason: String)
    case invalidWeights(layer: String, className: String, reason: String)
    case invalidInput(layer: String, className: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfig(let l, let c, let r): return "layer '\(l)' (\(c)): invalid config: \(r)"
        case .invalidWeights(let l, let c, let r): return "layer '\(l)' (\(c)): invalid weights: \(r)"
        case .invalidInput(let l, let c, let r): return "layer '\(l)' (\(c)): \(r)"
        }
    }

    public var problemType: ProblemType { .invalidLayer }

    public var layer: String? {
        switch self {
        case .invalidConfig(let l, _, _), .invalidWeights(let l, _, _), .invalidInput(let l, _, _): return l
        }
    }
}

/// A variable the layer owns, as Keras creates it.
public struct WeightSlot: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var trainable: Bool
    /// An integer variable (a Normalization's `count`): read, never computed with.
    public var integer: Bool

    public init(name: String, shape: [Int], trainable: Bool = true, integer: Bool = false) {
        self.name = name
        self.shape = shape
        self.trainable = trainable
        self.integer = integer
    }
}

public enum PoolKind: String, Sendable, Codable {
    case max, average
}

/// One decoded standard Keras layer: the layer type its class registers (see `LayerRegistry`)
/// with the typed parameters of its config. Shapes here never include the batch axis.
public struct LayerSpec: Sendable {
    /// The decoded layer; its type owns the shape, variables and float computation.
    public let layer: any KerasLayerType

    public init(_ layer: any KerasLayerType) { self.layer = layer }

    /// Class names the float engine runs (Keras aliases are accepted too).
    public static var supportedClasses: [String] { LayerRegistry.supportedClasses }

    /// The spec of `node`, or `GraphError.unsupported` for a class the engine does not run.
    public init(node: GraphNode) throws {
        try self.init(
            className: node.baseClassName, config: node.config, layer: node.name, displayClass: node.className)
    }

    /// The spec of a layer of class `className` (without registration prefix) and `config`.
    public init(className: String, config: JSONValue, layer: String, displayClass: String? = nil) throws {
        let reader = ConfigReader(config: config, layer: layer, className: displayClass ?? className)
        self.init(try LayerRegistry.floatType(className, reader: reader).init(className: className, config: reader))
    }

    /// Largest size of one dimension, and of one sample of any tensor, the engine accepts:
    /// bounds that keep every shape computation far from integer overflow.
    public static let maxDimension = 1 << 24
    public static let maxSampleElements = 1 << 31

    /// The output shape for inputs of `inputs` shapes (batch axis excluded).
    public func outputShape(_ inputs: [[Int]], layer: String, className: String) throws -> [Int] {
        let context = ShapeInputs(inputs, layer: layer, className: className)
        for shape in inputs where elementCount(shape) == nil {
            throw context.error(
                "input shape \(shapeText(shape)) is larger than \(LayerSpec.maxSampleElements) values per sample")
        }
        if let arity = self.layer.arity, inputs.count != arity {
            throw context.error("takes \(arity) input(s), got \(inputs.count)")
        }
        if self.layer.arity == nil, inputs.count < 2 {
            throw context.error("takes two or more inputs, got \(inputs.count)")
        }
        let shape = try self.layer.outputShape(context)
        guard elementCount(shape) != nil, shape.allSatisfy({ $0 > 0 }) else {
            throw context.error(
                "output shape \(shapeText(shape)) is empty or larger than \(LayerSpec.maxSampleElements) "
                    + "values per sample"
            )
        }
        return shape
    }

    /// The variables Keras creates for this layer on inputs of `inputs` shapes, in save order.
    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] { layer.weightSlots(inputs) }
}

/// Number of values in a tensor of `shape`, or nil beyond `LayerSpec.maxSampleElements`.
public func elementCount(_ shape: [Int]) -> Int? {
    var n = 1
    for d in shape {
        guard d >= 0 else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: d)
        guard !overflow, product <= LayerSpec.maxSampleElements else { return nil }
        n = product
    }
    return n
}

/// Index of a Keras axis (counted with the batch axis; negative from the end) in a feature
/// shape of `rank` dimensions.
func featureAxis(_ axis: Int, rank: Int, fail: (String) -> LayerError) throws -> Int {
    let a = axis < 0 ? rank + 1 + axis : axis
    guard a >= 1, a <= rank else { throw fail("axis \(axis) is not a feature axis of a rank-\(rank + 1) tensor") }
    return a - 1
}

/// Keras-style shape text, e.g. `(None, 20, 20, 3)` for a feature shape `[20, 20, 3]`.
func shapeText(_ featureShape: [Int]) -> String {
    "(None, " + featureShape.map(String.init).joined(separator: ", ") + ")"
}
