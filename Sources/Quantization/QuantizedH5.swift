// Quantized model ⇄ KerasModelFile: import of a QuantizeML-quantized model file (after the
// formats layer parsed the .h5) and export back to the same layout — a Functional
// model_config with `Custom>` classes and float32 variables under `<layer>/<var>:0` — so
// quantizeml loads the result. Nested models of the source are exported flattened.
import KerasGraph
import Tensors

extension QuantizedModel {
    /// Reads a saved quantized model (the parsed content of a quantized .h5 file).
    public init(file: KerasModelFile) throws {
        try self.init(graph: LayerGraph(file: file))
    }

    /// Takes over a flattened layer graph; variable names become relative to their layer.
    public init(graph: LayerGraph) throws {
        guard graph.inputs.count == 1 else {
            throw QuantizedModelError.invalidModel(
                layer: graph.name,
                reason: "the model has \(graph.inputs.count) inputs; quantized models take exactly one")
        }
        let layers = try graph.nodes.map { node -> QuantizedLayer in
            let variables = try node.weights.map { weight -> QuantizedVariable in
                guard weight.array.dtype.isFloatingPoint else {
                    throw QuantizedModelError.invalidModel(
                        layer: node.name,
                        reason: "variable '\(weight.name)' is \(weight.array.dtype.rawValue); float variables expected")
                }
                return QuantizedVariable(name: node.relativeWeightName(weight.name), value: weight.array.floats())
            }
            return QuantizedLayer(
                name: node.name, className: node.className, config: node.config,
                inputs: node.inputs, variables: variables)
        }
        self.init(name: graph.name, layers: layers, inputs: graph.inputs, outputs: graph.outputs)
    }

    /// The model in tf_keras legacy-HDF5 form, ready for `KerasH5.write`.
    public func kerasModelFile() -> KerasModelFile {
        var configLayers: [JSONValue] = []
        var weights: [String: [NamedWeight]] = [:]
        for layer in layers {
            let inbound: JSONValue =
                layer.inputs.isEmpty
                ? .array([])
                : .array([
                    .array(
                        layer.inputs.map {
                            .array([.string($0.layer), .number(0), .number(Double($0.index)), .object([])])
                        })
                ])
            configLayers.append(
                .object([
                    ("class_name", .string(layer.className)),
                    ("config", layer.config.setting("name", to: .string(layer.name))),
                    ("name", .string(layer.name)),
                    ("inbound_nodes", inbound),
                ]))
            weights[layer.name] = layer.variables.map {
                NamedWeight(name: "\(layer.name)/\($0.name):0", array: NDArray($0.value))
            }
        }
        let ref: (TensorRef) -> JSONValue = { .array([.string($0.layer), .number(0), .number(Double($0.index))]) }
        let config = JSONValue.object([
            ("class_name", .string("Functional")),
            (
                "config",
                .object([
                    ("name", .string(name)),
                    ("trainable", .bool(true)),
                    ("layers", .array(configLayers)),
                    ("input_layers", .array(inputs.map { ref(TensorRef(layer: $0)) })),
                    ("output_layers", .array(outputs.map(ref))),
                ])
            ),
        ])
        return KerasModelFile(modelConfig: config, weights: weights, layerNames: layers.map(\.name))
    }
}
