// OutputQuantizer placement (reference §5.5): walking the sanitized float graph backwards,
// every layer that needs aligned inputs asks the nearest preceding layers able to hold an
// OutputQuantizer to quantize their outputs.
import KerasGraph

enum OutputQuantizerPlan {
    static let stateBitwidth = 16

    static func carriesState(_ node: GraphNode) -> Bool {
        QuantizedLayerRegistry.type(quantizing: node)?.carriesState ?? false
    }

    /// Layer name → `{"output_quantizer": {...}}`, in planning order.
    static func plan(_ g: LayerGraph, params: QuantizationParams) -> [(String, JSONValue)] {
        let shapes = LayerRegistry.outputShapes(of: g)
        var configs: [(String, JSONValue)] = []
        func index(_ name: String) -> Int? { configs.firstIndex(where: { $0.0 == name }) }

        func holders(before name: String) -> [String] {
            var result: [String] = []
            for inbound in g.node(named: name)?.inputs.map(\.layer) ?? [] {
                guard let n = g.node(named: inbound), layerClass(n) != "InputLayer" else { continue }
                if QuantizedLayerRegistry.canHoldOutputQuantizer(n) {
                    result.append(inbound)
                } else {
                    result += holders(before: inbound)
                }
            }
            return result
        }

        for layer in g.nodes.reversed() {
            guard let type = QuantizedLayerRegistry.type(quantizing: layer), type.needsAlignedInputs else { continue }
            // An activation table reads a per-tensor input of its own width.
            let nextIsActivation = type == QuantizedActivation.self
            for name in holders(before: layer.name) {
                guard let current = g.node(named: name) else { continue }
                let shape = shapes[name] ?? []
                let vectorOut = !shape.isEmpty && shape.reduce(1, *) == shape.last
                // A stateful layer's state, and what feeds one, are quantized per-tensor on 16 bits.
                let stateful = carriesState(current)
                let perTensor = vectorOut || nextIsActivation || params.perTensorActivations || stateful
                if let i = index(name) {
                    let wasPerTensor = configs[i].1["output_quantizer"]?["axis"]?.string == "per-tensor"
                    let axis = perTensor || wasPerTensor ? "per-tensor" : "per-axis"
                    let oq = (configs[i].1["output_quantizer"] ?? .object([])).setting("axis", to: .string(axis))
                    configs[i].1 = .object([("output_quantizer", oq)])
                    continue
                }
                let axis: JSONValue = .string(perTensor ? "per-tensor" : "per-axis")
                var p: [(String, JSONValue)]
                switch layerClass(current) {
                case "ReLU":
                    p = [
                        ("bitwidth", .number(Double(params.activationBits))),
                        ("signed", .bool(params.activationBits >= 8)),
                        ("axis", axis),
                    ]
                case "Activation":
                    p = [("bitwidth", .number(Double(params.activationBits))), ("axis", axis)]
                case _ where nextIsActivation:
                    p = [("bitwidth", .number(Double(QuantizedActivation.inputBitwidth))), ("axis", axis)]
                case "GlobalAveragePooling2D", "GlobalAvgPool2D":
                    let previous = holders(before: name).first.flatMap { g.node(named: $0) }
                    let afterActivation = previous.map { ["ReLU", "Activation"].contains(layerClass($0)) } ?? false
                    p = [
                        ("bitwidth", .number(Double(afterActivation ? params.activationBits : params.outputBits))),
                        ("axis", axis),
                    ]
                default:
                    let bits = stateful || carriesState(layer) ? Self.stateBitwidth : params.outputBits
                    p = [("bitwidth", .number(Double(bits))), ("axis", axis)]
                }
                p.append(("buffer_bitwidth", .number(Double(params.bufferBits))))
                configs.append((name, .object([("output_quantizer", .object(p))])))
            }
        }
        return configs
    }
}
