// FloatModel: float32 inference over a LayerGraph — built from a saved model or from a graph
// a transform produced, run on batches, optionally returning intermediate layer outputs
// (what calibration needs). Intermediate tensors are released as soon as no layer needs them.
import Diagnostics
import Foundation
import Tensors

/// A model input or output: name, shape with `nil` for the batch axis, dtype.
public struct ModelTensorInfo: Codable, Equatable, Sendable {
    public var name: String
    public var shape: [Int?]
    public var dtype: String

    public init(name: String, shape: [Int?], dtype: String) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
    }
}

public final class FloatModel: @unchecked Sendable {
    public let graph: LayerGraph
    /// One executable layer per graph node, in graph (topological) order.
    public let layers: [FloatLayer]
    public let inputs: [ModelTensorInfo]
    public let outputs: [ModelTensorInfo]
    let index: [String: Int]
    /// For each layer, how many layer inputs and model outputs read it.
    let readers: [Int]

    /// Builds every layer of `graph`; fails on the first layer the float engine cannot run.
    public init(graph: LayerGraph) throws {
        var layers: [FloatLayer] = []
        var index: [String: Int] = [:]
        for node in graph.nodes {
            let shapes = try node.inputs.map { ref -> [Int] in
                guard ref.index == 0, let i = index[ref.layer] else {
                    throw GraphError.malformedConfig(
                        "layer '\(node.name)' reads '\(ref)', which no earlier layer produces")
                }
                return layers[i].outputShape
            }
            if node.className == "InputLayer", !graph.inputs.contains(node.name) {
                throw GraphError.malformedConfig("InputLayer '\(node.name)' is not one of the model inputs")
            }
            index[node.name] = layers.count
            layers.append(try FloatLayer(node: node, inputShapes: shapes))
        }
        var readers = [Int](repeating: 0, count: layers.count)
        for node in graph.nodes { for ref in node.inputs { readers[index[ref.layer] ?? 0] += 1 } }
        let outputs = try graph.outputs.map { ref -> ModelTensorInfo in
            guard ref.index == 0, let i = index[ref.layer] else {
                throw GraphError.malformedConfig("model output '\(ref)' is not produced by any layer")
            }
            readers[i] += 1
            return ModelTensorInfo(name: ref.layer, shape: [nil] + layers[i].outputShape, dtype: "float32")
        }
        let inputs = try graph.inputs.map { name -> ModelTensorInfo in
            guard let i = index[name], let input = layers[i].spec.layer as? InputLayer else {
                throw GraphError.malformedConfig("model input '\(name)' is not an InputLayer")
            }
            return ModelTensorInfo(name: name, shape: [nil] + input.shape, dtype: input.dtype.rawValue)
        }
        self.graph = graph
        self.layers = layers
        self.index = index
        self.readers = readers
        self.inputs = inputs
        self.outputs = outputs
    }

    public convenience init(file: KerasModelFile) throws {
        try self.init(graph: LayerGraph(file: file))
    }

    /// The layer named `name`.
    public func layer(named name: String) -> FloatLayer? { index[name].map { layers[$0] } }

    /// Runs the model on arrays of the input dtypes (any numeric dtype is converted to float;
    /// integer-typed inputs must hold integers in the dtype's range). Returns the outputs.
    public func predict(_ arrays: [NDArray]) throws -> [Tensor<Float>] {
        try forward(try prepareInputs(arrays)).outputs
    }

    /// Single-input, single-output convenience for `predict`.
    public func predict(_ array: NDArray) throws -> Tensor<Float> {
        guard outputs.count == 1 else {
            throw FloatModelError.invalidInput("the model has \(outputs.count) outputs; use predict(_: [NDArray])")
        }
        return try predict([array])[0]
    }

    /// Runs the model on float inputs (`[N] + input shape`) and returns the outputs of the
    /// layers in `capture`, keyed by layer name (the model outputs are not included unless asked).
    public func run(_ inputs: [Tensor<Float>], capture: Set<String>) throws -> [String: Tensor<Float>] {
        try forward(inputs, capture: capture).captured
    }

    /// Runs the model on float inputs; returns the model outputs and the captured layer outputs.
    public func forward(
        _ inputs: [Tensor<Float>], capture: Set<String> = []
    )
        throws -> (outputs: [Tensor<Float>], captured: [String: Tensor<Float>])
    {
        if let unknown = capture.first(where: { index[$0] == nil }) {
            throw FloatModelError.invalidInput("cannot capture '\(unknown)': no layer has that name")
        }
        try checkShapes(inputs)
        let batch = inputs.first?.shape.first ?? 0
        let slices = (batch + FloatModel.sliceSize - 1) / FloatModel.sliceSize
        guard slices > 1 else { return try forwardSlice(inputs, capture: capture) }
        // Large batches run as slices, one per core at a time: activations of a slice stay in
        // cache and the cores share no layer.
        let results = SliceResults(count: slices)
        KernelThreads.concurrentPerform(iterations: slices) { i in
            let range = (i * FloatModel.sliceSize)..<min((i + 1) * FloatModel.sliceSize, batch)
            results.set(i, Result { try forwardSlice(inputs.map { batchSlice($0, range) }, capture: capture) })
        }
        let parts = try results.values()
        let outputs = try (0..<self.outputs.count).map { o in
            try Kernels.concatenate(parts.map { $0.outputs[o] }, axis: 0)
        }
        var captured: [String: Tensor<Float>] = [:]
        for name in capture {
            captured[name] = try Kernels.concatenate(parts.compactMap { $0.captured[name] }, axis: 0)
        }
        return (outputs, captured)
    }

    /// Samples per slice of a large batch.
    static let sliceSize = 8

    func forwardSlice(
        _ inputs: [Tensor<Float>], capture: Set<String>
    )
        throws -> (outputs: [Tensor<Float>], captured: [String: Tensor<Float>])
    {
        var values = [Tensor<Float>?](repeating: nil, count: layers.count)
        var remaining = readers
        var captured: [String: Tensor<Float>] = [:]
        for (i, node) in graph.nodes.enumerated() {
            let layer = layers[i]
            var args: [Tensor<Float>] = []
            if layer.spec.layer is InputLayer, let position = graph.inputs.firstIndex(of: node.name) {
                args = [inputs[position]]
            }
            for ref in node.inputs {
                // The last reader takes the tensor itself, so a value-wise layer can overwrite it.
                let j = index[ref.layer] ?? 0
                remaining[j] -= 1
                guard let value = values[j] else {
                    throw FloatModelError.invalidInput("'\(ref)' was released before '\(node.name)' read it")
                }
                args.append(value)
                if remaining[j] <= 0 { values[j] = nil }
            }
            let out = try layer.compute(&args)
            if capture.contains(node.name) { captured[node.name] = out }
            if remaining[i] > 0 { values[i] = out }
        }
        let outs = try graph.outputs.map { ref -> Tensor<Float> in
            guard let t = values[index[ref.layer] ?? 0] else {
                throw FloatModelError.invalidInput("output '\(ref)' was not computed")
            }
            return t
        }
        return (outs, captured)
    }

    func checkShapes(_ inputs: [Tensor<Float>]) throws {
        guard inputs.count == self.inputs.count else {
            throw FloatModelError.invalidInput("the model takes \(self.inputs.count) input(s), got \(inputs.count)")
        }
        let batch = inputs.first?.shape.first
        for (t, info) in zip(inputs, self.inputs) {
            let want = info.shape.dropFirst().map { $0 ?? 0 }
            guard t.rank == want.count + 1, Array(t.shape.dropFirst()) == want, t.shape.first == batch else {
                throw FloatModelError.invalidInput(
                    "input '\(info.name)' must have shape (N, \(want.map(String.init).joined(separator: ", "))) "
                        + "with the same N for every input, got \(t.shape)"
                )
            }
        }
    }

    /// Converts input arrays to float, checking integer-typed inputs hold representable values.
    public func prepareInputs(_ arrays: [NDArray]) throws -> [Tensor<Float>] {
        guard arrays.count == inputs.count else {
            throw FloatModelError.invalidInput("the model takes \(inputs.count) input(s), got \(arrays.count)")
        }
        return try zip(arrays, inputs).map { array, info in
            guard array.dtype != .bool else {
                throw FloatModelError.invalidInput("input '\(info.name)': boolean arrays are not accepted")
            }
            let t = array.floats()
            if let dtype = DType(rawValue: info.dtype), !dtype.isFloatingPoint, array.dtype != dtype {
                let range = integerRange(dtype)
                if let bad = t.scalars.first(where: {
                    $0 != $0.rounded() || $0 < range.lowerBound || $0 > range.upperBound
                }) {
                    throw FloatModelError.invalidInput(
                        "input '\(info.name)' is \(info.dtype): every value must be an integer in "
                            + "\(Int(range.lowerBound))...\(Int(range.upperBound)), found \(bad)"
                    )
                }
            }
            return t
        }
    }
}

/// Samples `range` of a batch tensor.
func batchSlice(_ t: Tensor<Float>, _ range: Range<Int>) -> Tensor<Float> {
    let sample = t.shape.dropFirst().reduce(1, *)
    return Tensor(
        shape: [range.count] + t.shape.dropFirst(),
        scalars: Array(t.scalars[(range.lowerBound * sample)..<(range.upperBound * sample)]))
}

/// Per-slice results written from concurrent workers.
final class SliceResults: @unchecked Sendable {
    typealias Part = (outputs: [Tensor<Float>], captured: [String: Tensor<Float>])
    private var parts: [Result<Part, Error>?]
    private let lock = NSLock()

    init(count: Int) { parts = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ result: Result<Part, Error>) {
        lock.lock()
        parts[i] = result
        lock.unlock()
    }

    func values() throws -> [Part] {
        try parts.map { part in
            guard let part else { throw FloatModelError.invalidInput("a batch slice was not computed") }
            return try part.get()
        }
    }
}

func integerRange(_ dtype: DType) -> ClosedRange<Float> {
    switch dtype {
    case .int8: return -128...127
    case .uint8: return 0...255
    case .int16: return -32768...32767
    case .uint16: return 0...65535
    case .uint32, .uint64: return 0...Float.greatestFiniteMagnitude
    default: return -Float.greatestFiniteMagnitude...Float.greatestFiniteMagnitude
    }
}

public enum FloatModelError: UserFacingError, Equatable {
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidInput(let s): return "invalid model input: \(s)"
        }
    }

    public var problemType: ProblemType { .invalidInput }
}
