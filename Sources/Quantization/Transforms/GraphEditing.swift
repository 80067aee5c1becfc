// Graph editing primitives shared by the sanitizing transforms and the quantize pipeline:
// outbound queries with Keras semantics, insertion after a layer, removal of a pass-through
// layer, and typed access to a node's float variables and config fields.
import KerasGraph
import Tensors

extension LayerGraph {
    public func index(of name: String) -> Int? { nodes.firstIndex(where: { $0.name == name }) }

    /// Names of the layers reading `name`, once each, in graph order (Keras `outbound_nodes`:
    /// a model output is not an outbound).
    public func outbound(of name: String) -> [String] {
        nodes.filter { $0.inputs.contains(where: { $0.layer == name }) }.map(\.name)
    }

    /// The distinct producer layers of `name`'s inputs, in input order.
    public func inbound(of name: String) -> [String] {
        var seen: [String] = []
        for ref in node(named: name)?.inputs ?? [] where !seen.contains(ref.layer) { seen.append(ref.layer) }
        return seen
    }

    public func isOutput(_ name: String) -> Bool { outputs.contains(where: { $0.layer == name }) }

    /// A name not yet used in the graph, `base` if free.
    public func uniqueName(_ base: String) -> String {
        if node(named: base) == nil { return base }
        var i = 1
        while node(named: "\(base)_\(i)") != nil { i += 1 }
        return "\(base)_\(i)"
    }

    /// Inserts `node` (whose input must be `target`) right after `target` in layer order, and
    /// makes the layers in `consumers` (default: every outbound of `target`) and the model
    /// outputs read it instead.
    mutating func insert(_ newNode: GraphNode, after target: String, consumers: [String]? = nil) {
        let readers = consumers ?? outbound(of: target)
        for i in nodes.indices where readers.contains(nodes[i].name) {
            nodes[i].inputs = nodes[i].inputs.map { $0.layer == target ? TensorRef(layer: newNode.name) : $0 }
        }
        if consumers == nil {
            outputs = outputs.map { $0.layer == target ? TensorRef(layer: newNode.name) : $0 }
        }
        let at = (index(of: target) ?? nodes.count - 1) + 1
        nodes.insert(newNode, at: at)
    }

    /// Removes a single-input layer, connecting its readers (and outputs) to its input.
    mutating func bypass(_ name: String) {
        guard let i = index(of: name), let source = nodes[i].inputs.first else { return }
        nodes.remove(at: i)
        for j in nodes.indices {
            nodes[j].inputs = nodes[j].inputs.map { $0.layer == name ? source : $0 }
        }
        outputs = outputs.map { $0.layer == name ? source : $0 }
    }

    /// Makes `reader` read `newSource` wherever it read `oldSource`.
    mutating func rewire(_ reader: String, from oldSource: String, to newSource: String) {
        guard let i = index(of: reader) else { return }
        nodes[i].inputs = nodes[i].inputs.map { $0.layer == oldSource ? TensorRef(layer: newSource) : $0 }
    }

    subscript(name: String) -> GraphNode? {
        get { node(named: name) }
        set {
            guard let i = index(of: name) else { return }
            if let newValue { nodes[i] = newValue } else { nodes.remove(at: i) }
        }
    }
}

extension GraphNode {
    /// A float variable by relative name (`kernel`, `bias`, `gamma`, ...).
    func tensor(_ relativeName: String) -> Tensor<Float>? { weight(relativeName)?.floats() }

    /// Replaces (or appends) the variable `relativeName`, named `<layer>/<relativeName>:0`.
    mutating func setTensor(_ relativeName: String, _ value: Tensor<Float>) {
        let array = NDArray(value)
        if let i = weights.firstIndex(where: { relativeWeightName($0.name) == relativeName }) {
            weights[i].array = array
        } else {
            weights.append(NamedWeight(name: "\(name)/\(relativeName):0", array: array))
        }
    }

    mutating func removeTensor(_ relativeName: String) {
        let keep = weights.filter { relativeWeightName($0.name) != relativeName }
        weights = keep
    }

    /// Renames the node and its variables.
    mutating func rename(to newName: String) {
        let old = name
        weights = weights.map { w in
            var w = w
            if w.name.hasPrefix(old + "/") { w.name = newName + w.name.dropFirst(old.count) }
            return w
        }
        name = newName
        config = config.setting("name", to: .string(newName))
    }

    func configInt(_ key: String) -> Int? { config[key]?.int }
    func configString(_ key: String) -> String? { config[key]?.string }
    func configBool(_ key: String) -> Bool? { config[key]?.bool }
    /// A Keras pair such as `kernel_size` or `strides` (a bare int counts for both).
    func configPair(_ key: String) -> (Int, Int)? {
        if let v = config[key]?.int { return (v, v) }
        guard let a = config[key]?.array, a.count == 2, let x = a[0].int, let y = a[1].int else { return nil }
        return (x, y)
    }

    mutating func setConfig(_ key: String, _ value: JSONValue) { config = config.setting(key, to: value) }

    /// The activation function name of a layer with an `activation` argument.
    var activationName: String? {
        if let s = config["activation"]?.string { return s }
        // Serialized activations can also be objects: {"class_name": ..., "config": {"name": ...}}.
        return config["activation"]?["config"]?["name"]?.string ?? config["activation"]?["class_name"]?.string
    }
}

extension Tensor where Scalar == Float {
    /// Multiplies (or divides) every element by a vector broadcast along `axis`.
    func scaled(along axis: Int, by factors: [Float], divide: Bool = false) -> Tensor<Float> {
        let st = strides
        let a = axis < 0 ? rank + axis : axis
        var out = self
        for i in 0..<count {
            let c = (i / st[a]) % shape[a]
            out.scalars[i] = divide ? scalars[i] / factors[c] : scalars[i] * factors[c]
        }
        return out
    }
}
