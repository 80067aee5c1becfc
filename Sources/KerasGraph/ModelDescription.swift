// ModelDescription: what a saved model is, as the service and `spikeforge inspect` report it —
// inputs, outputs, every layer with class, output shape, parameter count (as Keras counts) and
// kind (float or quantized). Built from the graph and configs alone; runs nothing.
import Tensors

public struct ModelDescription: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case float, quantized
    }

    public struct TensorInfo: Codable, Equatable, Sendable {
        public var name: String
        /// `nil` for the batch axis; the whole shape is `nil` when it cannot be inferred.
        public var shape: [Int?]?
        public var dtype: String

        public init(name: String, shape: [Int?]?, dtype: String) {
            self.name = name
            self.shape = shape
            self.dtype = dtype
        }
    }

    public struct Layer: Codable, Equatable, Sendable {
        public var name: String
        public var className: String
        /// Layers whose outputs this layer reads.
        public var inputs: [String]
        /// `nil` for the batch axis; `nil` altogether when it cannot be inferred.
        public var outputShape: [Int?]?
        public var params: Int
        public var trainableParams: Int
        public var kind: Kind
    }

    public var name: String
    /// "Sequential" or "Functional".
    public var modelClass: String
    /// `quantized` as soon as one layer is a QuantizeML/CNN2SNN quantized layer.
    public var kind: Kind
    public var inputs: [TensorInfo]
    public var outputs: [TensorInfo]
    public var layers: [Layer]
    public var totalParams: Int
    public var trainableParams: Int
    public var nonTrainableParams: Int

    public init(file: KerasModelFile) throws {
        try self.init(graph: LayerGraph(file: file))
    }

    /// Describes `graph`. Standard layers are checked like the float engine checks them;
    /// quantized layers get their shapes from the float layer they quantize and their
    /// parameter counts from their saved variables. Any other class is refused.
    public init(graph: LayerGraph) throws {
        var shapes: [String: [Int]?] = [:]
        var layers: [Layer] = []
        let batch = graph.fixedBatchSize
        for node in graph.nodes {
            let inputShapes = node.inputs.map { ref in ref.index == 0 ? shapes[ref.layer] ?? nil : nil }
            let known = inputShapes.allSatisfy { $0 != nil } ? inputShapes.compactMap { $0 } : nil
            let layer: Layer
            var shape: [Int]?
            if LayerRegistry.isQuantizedClass(node.className) {
                shape = known.flatMap { quantizedOutputShape(node, $0) }
                let (total, trainable) = savedParameterCounts(node)
                layer = Layer(
                    name: node.name, className: node.className, inputs: node.inputs.map(\.layer),
                    outputShape: shape.map { [batch] + $0 }, params: total, trainableParams: trainable,
                    kind: .quantized)
            } else {
                let spec = try LayerSpec(node: node)
                var total: Int, trainable: Int
                if let known {
                    shape = try spec.outputShape(known, layer: node.name, className: node.className)
                    let slots = spec.weightSlots(known)
                    total = slots.reduce(0) { $0 + $1.shape.reduce(1, *) }
                    trainable = slots.filter(\.trainable).reduce(0) { $0 + $1.shape.reduce(1, *) }
                } else {
                    (total, trainable) = savedParameterCounts(node)
                }
                if node.config["trainable"]?.bool == false { trainable = 0 }
                layer = Layer(
                    name: node.name, className: node.className, inputs: node.inputs.map(\.layer),
                    outputShape: shape.map { [batch] + $0 }, params: total, trainableParams: trainable, kind: .float)
            }
            shapes[node.name] = shape
            layers.append(layer)
        }
        let byName = Dictionary(layers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.name = graph.name
        self.modelClass = graph.modelClass
        self.kind = layers.contains { $0.kind == .quantized } ? .quantized : .float
        self.inputs = graph.inputs.map { name in
            let node = graph.node(named: name)
            return TensorInfo(
                name: name, shape: byName[name]?.outputShape,
                dtype: node?.config["dtype"]?.string ?? "float32")
        }
        self.outputs = graph.outputs.map { ref in
            TensorInfo(
                name: ref.layer, shape: ref.index == 0 ? byName[ref.layer]?.outputShape ?? nil : nil, dtype: "float32")
        }
        self.layers = layers
        self.totalParams = layers.reduce(0) { $0 + $1.params }
        self.trainableParams = layers.reduce(0) { $0 + $1.trainableParams }
        self.nonTrainableParams = totalParams - trainableParams
    }

    public func layer(named name: String) -> Layer? { layers.first { $0.name == name } }
}

/// The output shape of a quantized layer: that of the float layer it stands for (value-only
/// layers keep their input's shape), or nil when it cannot be told.
func quantizedOutputShape(_ node: GraphNode, _ inputs: [[Int]]) -> [Int]? {
    let shape = try? LayerRegistry.outputShape(
        className: node.className, config: node.config, inputs: inputs, layer: node.name)
    return shape ?? (inputs.count == 1 ? inputs[0] : nil)
}

/// Parameter counts from the saved variables (total, trainable): kernels, biases and batch-norm
/// scale/offset train; moving statistics and quantizer state do not.
func savedParameterCounts(_ node: GraphNode) -> (Int, Int) {
    let trainableNames: Set<String> = ["kernel", "bias", "depthwise_kernel", "pointwise_kernel", "gamma", "beta"]
    var total = 0, trainable = 0
    for w in node.weights {
        total += w.array.count
        if trainableNames.contains(w.shortName) { trainable += w.array.count }
    }
    return (total, node.config["trainable"]?.bool == false ? 0 : trainable)
}
