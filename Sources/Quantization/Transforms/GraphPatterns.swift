// Graph patterns several sanitizing passes share: single-link layer pairs, their inversion, and
// identity convolutions inserted after a layer.
import KerasGraph
import Tensors

extension Sanitizer {
    /// Pairs `first → second` where `second`'s single input is `first` and `first` has one outbound.
    static func pairs(_ g: LayerGraph, first: Set<String>, second: Set<String>) -> [(String, String)] {
        g.nodes.compactMap { n in
            guard second.contains(layerClass(n)), let src = n.inputs.first?.layer, let p = g[src],
                first.contains(layerClass(p)), g.outbound(of: src).count == 1
            else { return nil }
            return (src, n.name)
        }
    }

    /// Swaps `first → second` into `second → first` (the reference's invert_layer_pairs).
    static func invert(_ g: LayerGraph, _ pairs: [(String, String)]) -> LayerGraph {
        var out = g
        for (first, second) in pairs {
            guard let source = out[first]?.inputs.first else { continue }
            let readers = out.outbound(of: second)
            out[second]?.inputs = [source]
            out[first]?.inputs = [TensorRef(layer: second)]
            for r in readers { out.rewire(r, from: second, to: first) }
            out.outputs = out.outputs.map { $0.layer == second ? TensorRef(layer: first) : $0 }
            // Keep nodes topologically ordered: `second` now precedes `first`.
            if let i = out.index(of: first), let j = out.index(of: second), j > i {
                let moved = out.nodes.remove(at: j)
                out.nodes.insert(moved, at: i)
            }
        }
        return out
    }

    static let maxChannels = 2048

    static func identityConv(_ name: String, after source: String, channels: Int) -> GraphNode {
        var node = GraphNode(
            name: name, className: "Conv2D", config: LayerTemplates.conv2D(name: name, filters: channels),
            inputs: [TensorRef(layer: source)], weights: [])
        var eye = Tensor<Float>(shape: [1, 1, channels, channels], repeating: 0)
        for i in 0..<channels { eye.scalars[i * channels + i] = 1 }
        node.setTensor("kernel", eye)
        return node
    }

    static func insertIdentityConvs(_ g: LayerGraph, after layers: [String]) throws -> LayerGraph {
        let shapes = LayerRegistry.outputShapes(of: g)
        var out = g
        for layer in layers {
            guard let c = shapes[layer]?.last else {
                throw TransformFailure(layer: layer, reason: "unknown shape of \(layer)")
            }
            out.insert(identityConv("\(layer)_identity_conv", after: layer, channels: c), after: layer)
        }
        return out
    }
}
