// FloatLayer: one layer of the float engine, ready to run — its spec, the saved weights
// checked against the shapes Keras would create and converted to float32 once, and the
// computation its layer type prepared; plus the value-wise loops layer types share.
import Tensors

public struct FloatLayer: Sendable {
    public let name: String
    public let className: String
    public let spec: LayerSpec
    /// Input and output shapes without the batch axis.
    public let inputShapes: [[Int]]
    public let outputShape: [Int]
    /// The variables Keras creates for this layer (what `count_params` counts).
    public let weightSlots: [WeightSlot]
    let compute: FloatForward

    /// Builds the layer of `node` for inputs of `inputShapes` (batch axis excluded).
    public init(node: GraphNode, inputShapes: [[Int]]) throws {
        let spec = try LayerSpec(node: node)
        let outputShape = try spec.outputShape(inputShapes, layer: node.name, className: node.className)
        let slots = spec.weightSlots(inputShapes)
        let weights = try WeightBinder(node: node, slots: slots).tensors()
        self.name = node.name
        self.className = node.className
        self.spec = spec
        self.inputShapes = inputShapes
        self.outputShape = outputShape
        self.weightSlots = slots
        self.compute = try spec.layer.forward(
            ShapeInputs(inputShapes, layer: node.name, className: node.className), outputShape: outputShape,
            weights: weights)
    }

    public var parameterCount: Int { weightSlots.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// Runs the layer on batches whose shapes are `[N] + inputShapes[i]`.
    public func callAsFunction(_ inputs: [Tensor<Float>]) throws -> Tensor<Float> {
        guard inputs.count == inputShapes.count,
            zip(inputs, inputShapes).allSatisfy({ $0.shape.count == $1.count + 1 && Array($0.shape.dropFirst()) == $1 }
            ),
            Set(inputs.map { $0.shape.first ?? 0 }).count <= 1
        else {
            throw LayerError.invalidInput(
                layer: name, className: className,
                reason: "expects inputs of shapes \(inputShapes.map(shapeText)), got \(inputs.map { $0.shape })")
        }
        var args = inputs
        return try compute(&args)
    }
}

/// Finds each expected variable among a node's saved weights (by name, then by position) and
/// checks its shape.
struct WeightBinder {
    let node: GraphNode
    let slots: [WeightSlot]

    func error(_ reason: String) -> LayerError {
        .invalidWeights(layer: node.name, className: node.className, reason: reason)
    }

    func tensors() throws -> [String: Tensor<Float>] {
        guard !slots.isEmpty else { return [:] }
        var result: [String: Tensor<Float>] = [:]
        let byName = Dictionary(
            node.weights.map { (lastComponent(node.relativeWeightName($0.name)), $0) },
            uniquingKeysWith: { first, _ in first })
        let positional = byName.count < slots.count && node.weights.count == slots.count
        for (i, slot) in slots.enumerated() {
            guard let saved = positional ? node.weights[i] : byName[slot.name] else {
                throw error(
                    "missing variable '\(slot.name)' of shape \(slot.shape) (saved: \(node.weights.map(\.name)))")
            }
            guard saved.array.shape == slot.shape else {
                throw error(
                    "'\(saved.name)' has shape \(saved.array.shape), expected \(slot.shape) for this layer's inputs")
            }
            guard saved.array.dtype.isFloatingPoint || slot.integer else {
                throw error("'\(saved.name)' is \(saved.array.dtype.rawValue), expected floating point")
            }
            result[slot.name] = saved.array.floats()
        }
        return result
    }

    func lastComponent(_ name: String) -> String { name.split(separator: "/").last.map(String.init) ?? name }
}

/// `f` applied to every value, in a loop the compiler can specialise and vectorise.
@inline(__always)
func mapValues(_ x: __owned Tensor<Float>, _ f: (Float) -> Float) -> Tensor<Float> {
    var out = x
    out.scalars.withUnsafeMutableBufferPointer { o in
        for i in 0..<o.count { o[i] = f(o[i]) }
    }
    return out
}

/// `x * scale[c] + offset[c]` over the last (channel) axis.
func channelAffine(_ x: __owned Tensor<Float>, scale: [Float], offset: [Float]) -> Tensor<Float> {
    let c = scale.count
    guard c > 0, x.count % c == 0 else { return x }
    var out = x
    out.scalars.withUnsafeMutableBufferPointer { o in
        scale.withUnsafeBufferPointer { s in
            offset.withUnsafeBufferPointer { b in
                for start in stride(from: 0, to: o.count, by: c) {
                    for j in 0..<c { o[start + j] = o[start + j] * s[j] + b[j] }
                }
            }
        }
    }
    return out
}

/// Reshapes each batch to `[N] + shape` (the values keep their order).
func reshapeForward(_ shape: [Int]) -> FloatForward {
    { x in
        let t = x.removeLast()
        return t.reshaped([t.shape.first ?? 0] + shape)
    }
}
