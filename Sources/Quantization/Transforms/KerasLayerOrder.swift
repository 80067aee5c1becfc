// KerasLayerOrder: the order tf_keras gives the layers of a functional model it (re)builds — by
// depth (longest path to an output) from the inputs down, ties in the order a depth-first walk
// from the outputs first meets them. QuantizeML rebuilds the model after its sanitizing passes,
// so a pass that splits or inserts layers (a Concatenate of three inputs) lists them that way.
import KerasGraph

extension LayerGraph {
    /// The graph with its nodes in tf_keras' functional order; unchanged when a node is a nested
    /// model's part (Keras orders the nested model as one layer) or a name is not a node.
    func inKerasLayerOrder() -> LayerGraph {
        guard modelLayers.allSatisfy({ $0.nodes.count <= 1 }) else { return self }
        let byName = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var firstSeen: [String: Int] = [:], finished = Set<String>(), postOrder: [String] = []
        func visit(_ name: String) {
            guard !finished.contains(name), let node = byName[name] else { return }
            if firstSeen[name] == nil { firstSeen[name] = firstSeen.count }
            for input in node.inputs { visit(input.layer) }
            finished.insert(name)
            postOrder.append(name)
        }
        for output in outputs { visit(output.layer) }
        guard postOrder.count == nodes.count else { return self }
        var depth: [String: Int] = [:]
        for name in postOrder.reversed() {
            let d = depth[name, default: 0]
            for input in byName[name]?.inputs ?? [] { depth[input.layer] = max(depth[input.layer, default: 0], d + 1) }
        }
        var ordered = self
        ordered.nodes = nodes.sorted {
            let (a, b) = (depth[$0.name, default: 0], depth[$1.name, default: 0])
            return a != b ? a > b : firstSeen[$0.name, default: -1] < firstSeen[$1.name, default: -1]
        }
        return ordered
    }
}
