// LayerGraph: the topology of a saved Keras model, flattened and topologically ordered.
// Sequential and Functional configs, several inputs and outputs, nested models (Sequential or
// Functional used as a layer) expanded in place. Layers are kept generic — class name, config
// JSON, inputs and weights — so that the float engine and the quantizer each interpret the
// classes they know. Nothing in a model file is ever executed.
import Diagnostics
import Tensors

/// One output tensor of a graph node.
public struct TensorRef: Hashable, Sendable, CustomStringConvertible {
    public var layer: String
    public var index: Int
    public init(layer: String, index: Int = 0) {
        self.layer = layer
        self.index = index
    }
    public var description: String { index == 0 ? layer : "\(layer)[\(index)]" }
}

/// A layer of the flattened graph.
public struct GraphNode: Sendable {
    public var name: String
    /// Keras class name as saved, e.g. `Conv2D` or `Custom>QuantizedConv2D`.
    public var className: String
    /// The layer's `config` object.
    public var config: JSONValue
    public var inputs: [TensorRef]
    /// The layer's saved variables, in save order.
    public var weights: [NamedWeight]

    public init(name: String, className: String, config: JSONValue, inputs: [TensorRef], weights: [NamedWeight]) {
        self.name = name
        self.className = className
        self.config = config
        self.inputs = inputs
        self.weights = weights
    }

    /// Class name without a registration prefix: `Custom>QuantizedConv2D` → `QuantizedConv2D`.
    public var baseClassName: String {
        className.split(separator: ">").last.map(String.init) ?? className
    }

    /// The variable whose name, relative to this layer, is `relativeName`
    /// (e.g. `kernel`, `output_quantizer/range_max`).
    public func weight(_ relativeName: String) -> NDArray? {
        weights.first(where: { relativeWeightName($0.name) == relativeName })?.array
    }

    /// `conv_0/output_quantizer/range_max:0` → `output_quantizer/range_max`.
    public func relativeWeightName(_ fullName: String) -> String {
        var n = Substring(fullName)
        if let colon = n.lastIndex(of: ":") { n = n[..<colon] }
        if n.hasPrefix(name + "/") { n = n.dropFirst(name.count + 1) }
        return String(n)
    }
}

/// A layer of the outermost model as Keras lists it (`model.layers`): a plain layer, or a
/// nested model that the graph expanded into several nodes. Keras-style summaries use it.
public struct ModelLayer: Equatable, Sendable {
    public var name: String
    public var className: String
    /// Inbound tensors as Keras prints them, e.g. `conv_0[0][0]` (empty for inputs and in Sequential models).
    public var inbound: [String]
    /// The graph nodes this layer became (just `[name]` for a plain layer).
    public var nodes: [String]
    /// The layer's output tensors in the flattened graph.
    public var outputs: [TensorRef]

    public init(name: String, className: String, inbound: [String], nodes: [String], outputs: [TensorRef]) {
        self.name = name
        self.className = className
        self.inbound = inbound
        self.nodes = nodes
        self.outputs = outputs
    }
}

public struct LayerGraph: Sendable {
    /// "Sequential" or "Functional" (of the outermost model).
    public var modelClass: String
    public var name: String
    /// Topologically ordered; InputLayer nodes first in input order.
    public var nodes: [GraphNode]
    /// The model inputs (InputLayer node names), in order.
    public var inputs: [String]
    public var outputs: [TensorRef]
    /// The outermost model's own layer list, when the graph was read from a model config
    /// (empty for graphs assembled in code; summaries then list one row per node).
    public var modelLayers: [ModelLayer]

    public init(
        modelClass: String, name: String, nodes: [GraphNode], inputs: [String], outputs: [TensorRef],
        modelLayers: [ModelLayer] = []
    ) {
        self.modelClass = modelClass
        self.name = name
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.modelLayers = modelLayers
    }

    public func node(named name: String) -> GraphNode? { nodes.first(where: { $0.name == name }) }

    /// Nodes that read an output of `name`.
    public func consumers(of name: String) -> [GraphNode] {
        nodes.filter { $0.inputs.contains(where: { $0.layer == name }) }
    }
}

public enum GraphError: UserFacingError, Equatable {
    case malformedConfig(String)
    case unsupported(layer: String, className: String, reason: String)

    public var description: String {
        switch self {
        case .malformedConfig(let s): return "malformed model_config: \(s)"
        case .unsupported(let layer, let cls, let reason): return "layer '\(layer)' (\(cls)): \(reason)"
        }
    }

    public var problemType: ProblemType {
        switch self {
        case .malformedConfig: return .invalidModel
        case .unsupported: return .unsupportedLayer
        }
    }

    public var layer: String? {
        switch self {
        case .malformedConfig: return nil
        case .unsupported(let layer, _, _): return layer
        }
    }
}

extension LayerGraph {
    /// Builds the flattened graph of a saved model.
    public init(file: KerasModelFile) throws {
        var builder = GraphBuilder(file: file)
        let top = file.modelConfig
        guard let cls = top["class_name"]?.string, let config = top["config"] else {
            throw GraphError.malformedConfig("no class_name/config at the top level")
        }
        let name = config["name"]?.string ?? "model"
        let outputs = try builder.expand(
            className: cls, config: config, modelName: name,
            weightGroup: nil, boundInputs: nil)
        self.init(
            modelClass: cls, name: name, nodes: builder.sortedNodes(), inputs: builder.modelInputs,
            outputs: outputs, modelLayers: builder.modelLayers.sorted { $0.position < $1.position }.map(\.layer))
    }
}
