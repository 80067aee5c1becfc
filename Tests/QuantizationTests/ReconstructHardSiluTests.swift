// The reconstruct_hard_silu pass: MobileNetV3's spelled-out hard-swish (TFOpLambda add 3, ReLU 6,
// TFOpLambda multiply 1/6, Multiply with the source) becomes one Activation('hard_silu') named
// as Keras names it; a hard-sigmoid alone (squeeze-excite) is left alone.
import KerasGraph
import Quantization
import XCTest

final class ReconstructHardSiluTests: XCTestCase {
    static func op(_ name: String, _ function: String, _ input: String, constant: Double) -> GraphNode {
        G.n(
            name, "TFOpLambda",
            [
                ("function", .string(function)),
                (
                    "operands",
                    .array([
                        .object([("argument", .string("x")), ("input", .number(0))]),
                        .object([("argument", .string("y")), ("value", .number(constant))]),
                    ])
                ),
            ], [input])
    }

    static func hardSwish(after source: String, _ suffix: String) -> [GraphNode] {
        [
            op("add\(suffix)", "__operators__.add", source, constant: 3),
            G.n("relu6\(suffix)", "ReLU", [("max_value", .number(6))], ["add\(suffix)"]),
            op("scale\(suffix)", "math.multiply", "relu6\(suffix)", constant: 1.0 / 6),
            G.n("mul\(suffix)", "Multiply", [], [source, "scale\(suffix)"]),
        ]
    }

    func testHardSwishBecomesOneActivation() throws {
        let nodes =
            [G.input([4, 4, 2])] + Self.hardSwish(after: "input", "_a")
            + [G.n("pool", "GlobalAveragePooling2D", [], ["mul_a"])] + Self.hardSwish(after: "pool", "_b")
        let out = try Sanitizer.ReconstructHardSilu.apply(G.graph(nodes, output: "mul_b"))
        // The last pattern of the graph is rebuilt first and takes Keras's first automatic name.
        XCTAssertEqual(out.nodes.map(\.name), ["input", "activation_1", "pool", "activation"])
        XCTAssertEqual(out.node(named: "activation_1")?.config["activation"]?.string, "hard_silu")
        XCTAssertEqual(out.node(named: "pool")?.inputs.map(\.layer), ["activation_1"])
        XCTAssertEqual(out.outputs.map(\.layer), ["activation"])
    }

    func testHardSigmoidAloneIsKept() throws {
        let nodes =
            [G.input([4, 4, 2]), G.n("se", "Conv2D", [], ["input"])]
            + Self.hardSwish(after: "se", "").map { node -> GraphNode in
                // The Multiply scales another tensor (the block input), not the add's source.
                guard node.name == "mul" else { return node }
                return G.n("mul", "Multiply", [], ["input", "scale"])
            }
        let graph = G.graph(nodes, output: "mul")
        XCTAssertEqual(try Sanitizer.ReconstructHardSilu.apply(graph).nodes.map(\.name), graph.nodes.map(\.name))
    }
}
