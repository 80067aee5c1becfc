// Engine: which float layer and which Akida layer stand for each layer of a quantized model. Names
// carry across the three representations, but not one to one: quantization folds layers away
// (a BatchNormalization into its convolution) and splits fused activations off (`<layer>_activ`),
// and an Akida layer carries the name of the first Keras layer of the block it was converted from
// while its output is that of the block's last layer.
import AkidaModel
import KerasGraph
import Quantization

/// The float layer whose output a quantized layer approximates.
struct FloatLink: Equatable {
    var layer: String
    /// Float layers after `layer` that quantization folded into it (their output is the one compared).
    var folded: [String]
}

enum LayerAlignment {
    /// Per quantized layer name, its float counterpart; a layer absent from the map has none
    /// (model inputs, layers whose float output includes an activation quantization split off).
    static func floatLinks(quantized: QuantizedModel, float: LayerGraph) -> [String: FloatLink] {
        let quantizedNames = Set(quantized.layers.map(\.name))
        var links: [String: FloatLink] = [:]
        for layer in quantized.layers where layer.baseClassName != "InputLayer" {
            if let node = float.node(named: layer.name) {
                guard !splitsActivation(node, layer) else { continue }
                var current = node.name
                var folded: [String] = []
                while let next = soleConsumer(of: current, in: float), !quantizedNames.contains(next.name),
                    next.inputs.count == 1
                {
                    folded.append(next.name)
                    current = next.name
                }
                links[layer.name] = FloatLink(layer: current, folded: folded)
            } else if layer.name.hasSuffix(splitSuffix),
                let base = float.node(named: String(layer.name.dropLast(splitSuffix.count))),
                fusedActivation(base) != nil
            {
                links[layer.name] = FloatLink(layer: base.name, folded: [])
            } else if layer.baseClassName == "Dequantizer", layer.inputs.count == 1,
                let source = links[layer.inputs[0].layer]
            {
                links[layer.name] = source
            }
        }
        return links
    }

    /// The name SplitActivations gives the activation it splits off a layer.
    static let splitSuffix = "_activ"

    static func fusedActivation(_ node: GraphNode) -> String? {
        guard node.baseClassName != "Activation", let name = node.config["activation"]?.string, name != "linear"
        else { return nil }
        return name
    }

    /// The float layer applies an activation the quantized layer of the same name does not.
    static func splitsActivation(_ node: GraphNode, _ layer: QuantizedLayer) -> Bool {
        guard fusedActivation(node) != nil else { return false }
        return (layer.config["activation"]?.string ?? "linear") == "linear"
    }

    static func soleConsumer(of name: String, in graph: LayerGraph) -> GraphNode? {
        let consumers = graph.consumers(of: name)
        return consumers.count == 1 ? consumers[0] : nil
    }

    /// Per Akida layer name, the quantized layer whose output it reproduces: the last layer of the
    /// chain that starts at the layer of the same name (and stops before the next Akida layer or a
    /// merge) whose per-sample shape equals the Akida layer's.
    static func akidaLinks(quantized: QuantizedModel, akida: AkidaModel, shapes: [String: [Int]]) -> [String: String] {
        let akidaNames = Set(akida.layers.map(\.name))
        var consumers: [String: [QuantizedLayer]] = [:]
        for layer in quantized.layers {
            for input in layer.inputs { consumers[input.layer, default: []].append(layer) }
        }
        var links: [String: String] = [:]
        for layer in akida.layers {
            guard let start = quantized.layers.first(where: { $0.name == layer.name }) else { continue }
            let want = squeezed(layer.outputShape)
            var chain = [start.name]
            var current = start.name
            while let next = consumers[current], next.count == 1, !akidaNames.contains(next[0].name),
                next[0].inputs.count == 1, next[0].baseClassName != "Dequantizer"
            {
                current = next[0].name
                chain.append(current)
            }
            if let match = chain.last(where: { squeezed(shapes[$0] ?? []) == want }) { links[layer.name] = match }
        }
        return links
    }

    /// A per-sample shape without its leading 1s (Akida writes a dense output (1, 1, C), Keras (C)).
    static func squeezed(_ shape: [Int]) -> [Int] {
        Array(shape.drop(while: { $0 == 1 }))
    }
}
