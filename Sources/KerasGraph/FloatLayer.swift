// FloatLayer: one layer of the float engine, ready to run — its spec, the saved weights
// checked against the shapes Keras would create and converted to float32 once, and the
// kernel call that computes it on a batch.
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
    let compute: @Sendable (inout [Tensor<Float>]) throws -> Tensor<Float>

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
        self.compute = try makeCompute(spec, inputShapes: inputShapes, weights: weights)
    }

    public var parameterCount: Int { weightSlots.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// Runs the layer on batches whose shapes are `[N] + inputShapes[i]`.
    public func callAsFunction(_ inputs: [Tensor<Float>]) throws -> Tensor<Float> {
        guard inputs.count == inputShapes.count,
              zip(inputs, inputShapes).allSatisfy({ $0.shape.count == $1.count + 1 && Array($0.shape.dropFirst()) == $1 }),
              Set(inputs.map { $0.shape.first ?? 0 }).count <= 1 else {
            throw LayerError.invalidInput(layer: name, className: className,
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
        let byName = Dictionary(node.weights.map { (lastComponent(node.relativeWeightName($0.name)), $0) },
                                uniquingKeysWith: { first, _ in first })
        let positional = byName.count < slots.count && node.weights.count == slots.count
        for (i, slot) in slots.enumerated() {
            guard let saved = positional ? node.weights[i] : byName[slot.name] else {
                throw error("missing variable '\(slot.name)' of shape \(slot.shape) (saved: \(node.weights.map(\.name)))")
            }
            guard saved.array.shape == slot.shape else {
                throw error("'\(saved.name)' has shape \(saved.array.shape), expected \(slot.shape) for this layer's inputs")
            }
            guard saved.array.dtype.isFloatingPoint else {
                throw error("'\(saved.name)' is \(saved.array.dtype.rawValue), expected floating point")
            }
            result[slot.name] = saved.array.floats()
        }
        return result
    }

    func lastComponent(_ name: String) -> String { name.split(separator: "/").last.map(String.init) ?? name }
}

/// The kernel call of a layer, with its weights prepared once. It may take its inputs out of
/// the array, so that value-wise layers reuse the buffer of an input nobody else holds.
func makeCompute(_ spec: LayerSpec, inputShapes: [[Int]], weights: [String: Tensor<Float>])
    throws -> @Sendable (inout [Tensor<Float>]) throws -> Tensor<Float> {
    let first = inputShapes.first ?? []
    func geometry(_ kernel: [Int], _ strides: [Int], _ mode: PaddingMode) -> Padding2D {
        windowGeometry2D(height: first[0], width: first[1], kernel: (kernel[0], kernel[1]),
                         strides: (strides[0], strides[1]), mode: mode).padding
    }
    let kernel = weights["kernel"] ?? Tensor(shape: [0], scalars: [])
    let bias = weights["bias"]?.scalars
    switch spec {
    case .input, .identity:
        return { $0.removeLast() }
    case .conv2D(_, let k, let strides, let mode, _, let activation):
        let padding = geometry(k, strides, mode)
        return { x in
            try activation.apply(Kernels.conv2D(x[0], kernel: kernel, bias: bias, strides: (strides[0], strides[1]),
                                                padding: padding))
        }
    case .paddedConv2D(_, let k, let strides, let values, _):
        // Padded explicitly, then 'valid' windows and the bias, as the reference layer computes.
        let padding = geometry(k, strides, .same)
        return { x in
            try Kernels.conv2D(Kernels.pad2D(x[0], padding: padding, values: values), kernel: kernel, bias: bias,
                               strides: (strides[0], strides[1]), padding: .zero)
        }
    case .depthwiseConv2D(_, let k, let strides, let mode, _, let activation):
        let padding = geometry(k, strides, mode)
        let dw = weights["depthwise_kernel"] ?? kernel
        return { x in
            try activation.apply(Kernels.depthwiseConv2D(x[0], kernel: dw, bias: bias, strides: (strides[0], strides[1]),
                                                         padding: padding))
        }
    case .separableConv2D(_, _, let k, let strides, let mode, _, let activation):
        let padding = geometry(k, strides, mode)
        let dw = weights["depthwise_kernel"] ?? kernel, pw = weights["pointwise_kernel"] ?? kernel
        return { x in
            let depthwise = try Kernels.depthwiseConv2D(x[0], kernel: dw, bias: nil, strides: (strides[0], strides[1]),
                                                        padding: padding)
            return try activation.apply(Kernels.conv2D(depthwise, kernel: pw, bias: bias, strides: (1, 1), padding: .zero))
        }
    case .dense(_, _, let activation):
        return { x in try activation.apply(Kernels.dense(x[0], kernel: kernel, bias: bias)) }
    case .batchNormalization(let epsilon, _, _):
        // Inference batch norm folded to one multiply-add per channel, as TF's fused kernel does.
        let mean = weights["moving_mean"]?.scalars ?? [], variance = weights["moving_variance"]?.scalars ?? []
        let gamma = weights["gamma"]?.scalars ?? [Float](repeating: 1, count: mean.count)
        let beta = weights["beta"]?.scalars ?? [Float](repeating: 0, count: mean.count)
        let scale = (0..<mean.count).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        let offset = (0..<mean.count).map { beta[$0] - mean[$0] * scale[$0] }
        return { x in channelAffine(x.removeLast(), scale: scale, offset: offset) }
    case .rescaling(let scale, let offset):
        let channels = first.last ?? 1
        let s = scale.count == 1 ? [Float](repeating: scale[0], count: channels) : scale
        let o = offset.count == 1 ? [Float](repeating: offset[0], count: channels) : offset
        return { x in channelAffine(x.removeLast(), scale: s, offset: o) }
    case .relu(let maxValue, let threshold, let slope):
        if threshold == 0, slope == 0 {
            // The common bounded/unbounded ReLU: one clamp per value, vectorised.
            let upper = maxValue ?? .infinity
            return { x in mapValues(x.removeLast()) { min(max($0, 0), upper) } }
        }
        return { x in
            mapValues(x.removeLast()) { reluValue($0, maxValue: maxValue, threshold: threshold, negativeSlope: slope) }
        }
    case .activation(let f):
        return { x in try f.apply(x.removeLast()) }
    case .softmax(let axis):
        let a = try featureAxis(axis, rank: first.count, fail: { LayerError.invalidConfig(layer: "", className: "Softmax", reason: $0) })
        return { x in try Kernels.softmax(x[0], axis: a + 1) }
    case .pool2D(let kind, let pool, let strides, let mode):
        let padding = geometry(pool, strides, mode)
        let k: Kernels.PoolKind = kind == .max ? .max : .average
        return { x in try Kernels.pool2D(x[0], kind: k, pool: (pool[0], pool[1]), strides: (strides[0], strides[1]), padding: padding) }
    case .globalPool2D(let kind, let keepDims):
        let k: Kernels.PoolKind = kind == .max ? .max : .average
        return { x in
            let pooled = try Kernels.globalPool2D(x[0], kind: k)
            return keepDims ? pooled.reshaped([pooled.shape[0], 1, 1, pooled.shape[1]]) : pooled
        }
    case .flatten, .reshape:
        let out = try spec.outputShape(inputShapes, layer: "", className: "")
        return { x in
            let t = x.removeLast()
            return t.reshaped([t.shape.first ?? 0] + out)
        }
    case .zeroPadding2D(let padding):
        return { x in try Kernels.pad2D(x[0], padding: padding) }
    case .add:
        return { x in try Kernels.add(x) }
    case .concatenate(let axis):
        let a = try featureAxis(axis, rank: first.count, fail: { LayerError.invalidConfig(layer: "", className: "Concatenate", reason: $0) })
        return { x in try Kernels.concatenate(x, axis: a + 1) }
    }
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
