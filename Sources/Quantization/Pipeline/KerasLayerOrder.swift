// KerasLayerOrder: the layer order tf_keras gives a Functional model rebuilt from its config,
// which is the order QuantizeML's quantized model (and its config) lists layers in: by depth
// from the outputs (deepest first), ties by first visit in a depth-first walk from the outputs.
// A graph whose layers are a chain keeps its order; branches (a squeeze-excite block, a
// Dequantizer inserted on a skip link) may move.
import KerasGraph

enum KerasLayerOrder {
    static func sorted(_ g: LayerGraph) -> LayerGraph {
        let byName = Dictionary(g.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var firstVisit: [String: Int] = [:]
        var finished = Set<String>()
        var postorder: [String] = []
        func visit(_ name: String) {
            guard !finished.contains(name) else { return }
            if firstVisit[name] == nil { firstVisit[name] = firstVisit.count }
            for ref in byName[name]?.inputs ?? [] { visit(ref.layer) }
            finished.insert(name)
            postorder.append(name)
        }
        for output in g.outputs { visit(output.layer) }
        var depth: [String: Int] = [:]
        for name in postorder.reversed() {
            let d = depth[name, default: 0]
            depth[name] = d
            for ref in byName[name]?.inputs ?? [] { depth[ref.layer] = max(d + 1, depth[ref.layer] ?? 0) }
        }
        var out = g
        let position = Dictionary(uniqueKeysWithValues: g.nodes.enumerated().map { ($1.name, $0) })
        // Layers no output reads (none in a valid model) keep their place after the others.
        out.nodes = g.nodes.sorted { a, b in
            let ka = (depth[a.name].map { -$0 } ?? Int.max, firstVisit[a.name] ?? -1, position[a.name] ?? 0)
            let kb = (depth[b.name].map { -$0 } ?? Int.max, firstVisit[b.name] ?? -1, position[b.name] ?? 0)
            return ka < kb
        }
        return out
    }
}
