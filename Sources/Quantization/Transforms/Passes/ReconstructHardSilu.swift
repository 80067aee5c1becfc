// Sanitizing pass (reference §5.3, after replace_lambda): the hard-swish that tf_keras's
// MobileNetV3 spells out, `x * (relu6(x + 3) * (1/6))` — TFOpLambda add, ReLU(6), TFOpLambda
// multiply (or divide by 6), Multiply back with `x` — becomes one QuantizeML
// `Activation('hard_silu')`. New layers take Keras's automatic names in the reference's order
// (the last pattern of the graph first: `activation`, `activation_1`, ...).
import KerasGraph

extension Sanitizer {
    public enum ReconstructHardSilu: SanitizePass {
        public static let name = "reconstruct_hard_silu"

        /// The constant operands of a TFOpLambda node.
        static func constants(_ node: GraphNode) -> [Double] {
            (node.config["operands"]?.array ?? []).compactMap { $0["value"]?.double }
        }

        static func isOp(_ node: GraphNode?, _ functions: [String]) -> Bool {
            guard let node, layerClass(node) == "TFOpLambda", let f = node.config["function"]?.string else {
                return false
            }
            return functions.contains(f)
        }

        /// The single reader of `name`, if it has exactly one.
        static func next(_ g: LayerGraph, _ name: String) -> GraphNode? {
            let readers = g.outbound(of: name)
            return readers.count == 1 ? g.node(named: readers[0]) : nil
        }

        /// (source, add, relu, scale, multiply) of the pattern starting at `add`.
        static func match(_ g: LayerGraph, add: GraphNode) -> (String, [String])? {
            guard isOp(add, ["math.add", "__operators__.add"]), constants(add).contains(3),
                add.config["operands"]?.array?.first?["input"] != nil, let source = add.inputs.first?.layer,
                let relu = next(g, add.name), layerClass(relu) == "ReLU", relu.config["max_value"]?.double == 6,
                let scale = next(g, relu.name),
                (isOp(scale, ["math.multiply"]) && constants(scale).contains(1.0 / 6))
                    || (isOp(scale, ["math.truediv"]) && constants(scale).contains(6)),
                let multiply = next(g, scale.name), layerClass(multiply) == "Multiply", multiply.inputs.count == 2,
                multiply.inputs.contains(where: { $0.layer == source })
            else { return nil }
            return (source, [add.name, relu.name, scale.name, multiply.name])
        }

        public static func apply(_ g: LayerGraph) throws -> LayerGraph {
            var candidates: [(String, [String])] = []
            var taken = Set<String>()
            for node in g.nodes.reversed() where !taken.contains(node.name) {
                guard let found = match(g, add: node) else { continue }
                candidates.append(found)
                taken.formUnion(found.1)
            }
            var out = g
            for (k, (source, removed)) in candidates.enumerated() {
                let name = k == 0 ? "activation" : "activation_\(k)"
                let multiply = removed[3]
                let readers = out.outbound(of: multiply)
                for reader in readers { out.rewire(reader, from: multiply, to: source) }
                out.outputs = out.outputs.map { $0.layer == multiply ? TensorRef(layer: name) : $0 }
                for layer in removed { out[layer] = nil }
                let activation = GraphNode(
                    name: name, className: "Custom>Activation",
                    config: .object(
                        LayerTemplates.base(name) + [("activation", .string("hard_silu")), ("alpha", .number(0.2))]),
                    inputs: [TensorRef(layer: source)], weights: [])
                out.insert(activation, after: source, consumers: readers)
            }
            return out
        }
    }
}
