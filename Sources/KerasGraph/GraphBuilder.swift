// GraphBuilder: expands a saved model config — Sequential or Functional, nested models
// included — into the flat, topologically ordered nodes of a LayerGraph, resolving each
// layer's inbound tensors and the variables it owns.

/// Expands (possibly nested) model configs into `GraphNode`s.
struct GraphBuilder {
    let file: KerasModelFile
    var nodes: [GraphNode] = []
    var modelInputs: [String] = []
    /// (model scope, layer name, node index, tensor index) aliasing for nested models.
    var aliases: [String: TensorRef] = [:]
    var depth = 0
    /// The outermost model's layers with their position in its config.
    var modelLayers: [(position: Int, layer: ModelLayer)] = []

    init(file: KerasModelFile) { self.file = file }

    /// Weights of a layer: a top-level layer owns its whole group; a layer inside a nested
    /// model owns the entries of the nested model's group that start with its name.
    func weights(of layer: String, group: String?) -> [NamedWeight] {
        guard let group else { return file.weights[layer] ?? [] }
        return (file.weights[group] ?? []).filter { $0.name.hasPrefix(layer + "/") }
    }

    /// Expands a model config. `boundInputs` maps the model's inputs to outer tensors when the
    /// model is nested; returns the model's output tensors.
    mutating func expand(
        className: String, config: JSONValue, modelName: String, weightGroup: String?,
        boundInputs: [TensorRef]?
    ) throws -> [TensorRef] {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 16 else { throw GraphError.malformedConfig("models nested deeper than 16 levels") }
        guard let layers = config["layers"]?.array else {
            throw GraphError.malformedConfig("model '\(modelName)' has no layers list")
        }
        switch className {
        case "Sequential":
            return try expandSequential(
                layers, modelName: modelName, weightGroup: weightGroup, boundInputs: boundInputs)
        case "Functional", "Model":
            return try expandFunctional(
                layers, config: config, modelName: modelName, weightGroup: weightGroup,
                boundInputs: boundInputs)
        default:
            throw GraphError.unsupported(
                layer: modelName, className: className,
                reason: "not a Sequential or Functional model")
        }
    }

    mutating func expandSequential(
        _ layers: [JSONValue], modelName: String, weightGroup: String?,
        boundInputs: [TensorRef]?
    ) throws -> [TensorRef] {
        var current: TensorRef?
        if let bound = boundInputs {
            guard bound.count == 1 else {
                throw GraphError.malformedConfig("Sequential model '\(modelName)' called on \(bound.count) tensors")
            }
            current = bound[0]
        }
        for (position, layer) in layers.enumerated() {
            guard let cls = layer["class_name"]?.string, let cfg = layer["config"] else {
                throw GraphError.malformedConfig("layer \(position) of '\(modelName)' has no class_name/config")
            }
            let name = cfg["name"]?.string ?? "\(modelName)_layer_\(position)"
            if cls == "InputLayer" {
                if current == nil { current = addInput(name: name, config: cfg) }
                continue
            }
            if current == nil {
                // A Sequential without an InputLayer declares its input on the first layer.
                guard let shape = cfg["batch_input_shape"] else {
                    throw GraphError.malformedConfig("Sequential model '\(modelName)' has no input shape")
                }
                let inputConfig = JSONValue.object([
                    ("batch_input_shape", shape),
                    ("dtype", cfg["dtype"] ?? .string("float32")),
                    ("name", .string("\(name)_input")),
                ])
                current = addInput(name: "\(name)_input", config: inputConfig)
            }
            guard let input = current else {
                throw GraphError.malformedConfig("Sequential model '\(modelName)' has no input")
            }
            let first = nodes.count
            current = try addLayer(className: cls, config: cfg, name: name, inputs: [input], weightGroup: weightGroup)[
                0]
            if depth == 1, let out = current {
                recordModelLayer(position, name: name, className: cls, inbound: [], from: first, outputs: [out])
            }
        }
        guard let out = current else { throw GraphError.malformedConfig("model '\(modelName)' is empty") }
        return [out]
    }

    mutating func expandFunctional(
        _ layers: [JSONValue], config: JSONValue, modelName: String, weightGroup: String?,
        boundInputs: [TensorRef]?
    ) throws -> [TensorRef] {
        let scope = modelName
        guard let inputLayers = config["input_layers"]?.array, let outputLayers = config["output_layers"]?.array else {
            throw GraphError.malformedConfig("Functional model '\(modelName)' lacks input_layers/output_layers")
        }
        // input_layers/output_layers hold [name, node, tensor] triples, or one bare triple.
        let inputEntries: [JSONValue] = inputLayers.first?.string != nil ? [.array(inputLayers)] : inputLayers
        let flatInputs = try inputEntries.map { entry -> String in
            guard let n = entry[0]?.string else {
                throw GraphError.malformedConfig("bad input_layers entry in '\(modelName)'")
            }
            return n
        }
        if let bound = boundInputs, bound.count != flatInputs.count {
            throw GraphError.malformedConfig(
                "model '\(modelName)' takes \(flatInputs.count) inputs, called on \(bound.count)")
        }
        var pending = Array(layers.enumerated())
        var resolvedAny = true
        while !pending.isEmpty && resolvedAny {
            resolvedAny = false
            var stillPending: [(offset: Int, element: JSONValue)] = []
            for (position, layer) in pending {
                guard let cls = layer["class_name"]?.string, let cfg = layer["config"] else {
                    throw GraphError.malformedConfig("a layer of '\(modelName)' has no class_name/config")
                }
                let name = layer["name"]?.string ?? cfg["name"]?.string ?? ""
                if cls == "InputLayer" {
                    if let bound = boundInputs, let i = flatInputs.firstIndex(of: name) {
                        aliases[key(scope, name, 0)] = bound[i]
                    } else {
                        let input = addInput(name: name, config: cfg)
                        aliases[key(scope, name, 0)] = input
                        if depth == 1 {
                            recordModelLayer(
                                position, name: name, className: cls, inbound: [], from: nodes.count - 1,
                                outputs: [input])
                        }
                    }
                    resolvedAny = true
                    continue
                }
                var config = cfg
                let calls = layer["inbound_nodes"]?.array ?? []
                guard calls.count == 1 else {
                    throw GraphError.unsupported(
                        layer: name, className: cls,
                        reason: calls.isEmpty
                            ? "has no inbound nodes (disconnected layer)"
                            : "is called \(calls.count) times; shared layers are not supported")
                }
                var call = calls[0]
                if OpLayerCall.isFlat(call) {
                    (call, config) = try OpLayerCall.normalize(call, config: cfg, layer: name)
                }
                guard let refs = try inboundRefs(call, layer: name, scope: scope) else {
                    stillPending.append((position, layer))
                    continue
                }
                let first = nodes.count
                let outs = try addLayer(
                    className: cls, config: config, name: name, inputs: refs, weightGroup: weightGroup)
                if depth == 1 {
                    recordModelLayer(
                        position, name: name, className: cls, inbound: inboundLabels(call), from: first,
                        outputs: outs)
                }
                for (i, out) in outs.enumerated() {
                    // Nested models are referenced by their outer call node (1); plain layers by 0.
                    aliases[key(scope, name, 0, i)] = out
                    aliases[key(scope, name, 1, i)] = out
                }
                resolvedAny = true
            }
            pending = stillPending
        }
        if let stuck = pending.first?.element {
            let name = stuck["name"]?.string ?? stuck["config"]?["name"]?.string ?? "?"
            throw GraphError.malformedConfig(
                "layer '\(name)' of '\(modelName)' has inputs that are never produced (cycle or missing layer)")
        }
        let outputEntries: [JSONValue] = outputLayers.first?.string != nil ? [.array(outputLayers)] : outputLayers
        return try outputEntries.map { entry in
            guard let n = entry[0]?.string else {
                throw GraphError.malformedConfig("bad output_layers entry in '\(modelName)'")
            }
            let node = entry[1]?.int ?? 0, tensor = entry[2]?.int ?? 0
            guard let ref = aliases[key(scope, n, node, tensor)] ?? aliases[key(scope, n, 0, tensor)] else {
                throw GraphError.malformedConfig("output '\(n)' of '\(modelName)' is not produced by any layer")
            }
            return ref
        }
    }

    mutating func recordModelLayer(
        _ position: Int, name: String, className: String, inbound: [String], from first: Int,
        outputs: [TensorRef]
    ) {
        let members = nodes[first...].map(\.name)
        modelLayers.append(
            (
                position,
                ModelLayer(
                    name: name, className: className, inbound: inbound, nodes: members,
                    outputs: outputs)
            ))
    }

    /// `[["conv_0", 0, 0, {}]]` → `["conv_0[0][0]"]`.
    func inboundLabels(_ call: JSONValue) -> [String] {
        (call.array ?? []).compactMap { entry in
            guard let source = entry[0]?.string, let node = entry[1]?.int, let tensor = entry[2]?.int else {
                return nil
            }
            return "\(source)[\(node)][\(tensor)]"
        }
    }

    func key(_ scope: String, _ layer: String, _ node: Int, _ tensor: Int = 0) -> String {
        "\(scope)\u{1}\(layer)\u{1}\(node)\u{1}\(tensor)"
    }

    /// The tensors one call reads, or nil while one of them is not yet produced.
    func inboundRefs(_ call: JSONValue, layer: String, scope: String) throws -> [TensorRef]? {
        guard let entries = call.array else { throw GraphError.malformedConfig("bad inbound_nodes of '\(layer)'") }
        var refs: [TensorRef] = []
        for entry in entries {
            guard let source = entry[0]?.string, let node = entry[1]?.int, let tensor = entry[2]?.int else {
                throw GraphError.malformedConfig("bad inbound entry of '\(layer)': \(entry)")
            }
            guard let ref = aliases[key(scope, source, node, tensor)] else { return nil }
            refs.append(ref)
        }
        return refs
    }

    mutating func addInput(name: String, config: JSONValue) -> TensorRef {
        nodes.append(GraphNode(name: name, className: "InputLayer", config: config, inputs: [], weights: []))
        if depth == 1 { modelInputs.append(name) }
        return TensorRef(layer: name)
    }

    /// Adds a layer (or expands a nested model) and returns its output tensors.
    mutating func addLayer(
        className: String, config: JSONValue, name: String, inputs: [TensorRef],
        weightGroup: String?
    ) throws -> [TensorRef] {
        if className == "Sequential" || className == "Functional" || className == "Model" {
            // A nested model's variables are saved under its own top-level group.
            return try expand(
                className: className, config: config, modelName: name,
                weightGroup: weightGroup ?? name, boundInputs: inputs)
        }
        guard !nodes.contains(where: { $0.name == name }) else {
            throw GraphError.malformedConfig("two layers are named '\(name)'")
        }
        nodes.append(
            GraphNode(
                name: name, className: className, config: config, inputs: inputs,
                weights: weights(of: name, group: weightGroup)))
        return [TensorRef(layer: name)]
    }

    /// Nodes in an order where every node follows its inputs (creation order already is).
    func sortedNodes() -> [GraphNode] {
        let inputs = nodes.filter { $0.className == "InputLayer" }
        let rest = nodes.filter { $0.className != "InputLayer" }
        return inputs + rest
    }
}
