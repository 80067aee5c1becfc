// Unit tests of the sanitizing transforms (reference §5.3), one small graph per pass; the
// expected rewrites and values are the reference's documented behaviour.
import KerasGraph
import Quantization
import Tensors
import XCTest

/// Builds small graphs for transform tests.
enum G {
    static func n(
        _ name: String, _ cls: String, _ config: [(String, JSONValue)] = [], _ inputs: [String] = [],
        weights: [(String, Tensor<Float>)] = []
    ) -> GraphNode {
        GraphNode(
            name: name, className: cls, config: .object([("name", .string(name))] + config),
            inputs: inputs.map { TensorRef(layer: $0) },
            weights: weights.map { NamedWeight(name: "\(name)/\($0.0):0", array: NDArray($0.1)) })
    }
    static func input(_ shape: [Int], dtype: String = "float32") -> GraphNode {
        n(
            "input", "InputLayer",
            [
                ("batch_input_shape", .array([.null] + shape.map { .number(Double($0)) })),
                ("dtype", .string(dtype)),
            ])
    }
    static func graph(_ nodes: [GraphNode], output: String) -> LayerGraph {
        LayerGraph(
            modelClass: "Functional", name: "m", nodes: nodes, inputs: ["input"], outputs: [TensorRef(layer: output)])
    }
    static func ints(_ v: [Int]) -> JSONValue { .array(v.map { .number(Double($0)) }) }
    static func conv(
        _ name: String, _ input: String, filters: Int, kernel: Int = 1, strides: Int = 1, padding: String = "valid",
        cin: Int, activation: String = "linear", bias: Bool = false, groups: Int = 1,
        kernelValues: [Float]? = nil
    ) -> GraphNode {
        let count = kernel * kernel * (cin / groups) * filters
        var w: [(String, Tensor<Float>)] = [
            (
                "kernel",
                Tensor(
                    shape: [kernel, kernel, cin / groups, filters],
                    scalars: kernelValues ?? (0..<count).map { Float($0 % 7) - 3 })
            )
        ]
        if bias { w.append(("bias", Tensor(shape: [filters], repeating: 0.5))) }
        return n(
            name, "Conv2D",
            [
                ("filters", .number(Double(filters))), ("kernel_size", ints([kernel, kernel])),
                ("strides", ints([strides, strides])), ("padding", .string(padding)),
                ("activation", .string(activation)), ("use_bias", .bool(bias)), ("groups", .number(Double(groups))),
            ],
            [input], weights: w)
    }
    static func names(_ g: LayerGraph) -> [String] { g.nodes.map { "\($0.name):\($0.className)" } }
}

final class SanitizeTransformTests: XCTestCase {
    func testSplitActivationsInsertsActivLayer() throws {
        let g = G.graph(
            [G.input([4, 4, 1]), G.conv("c", "input", filters: 2, cin: 1, activation: "relu")], output: "c")
        let out = try Sanitizer.SplitActivations.apply(g)
        XCTAssertEqual(G.names(out), ["input:InputLayer", "c:Conv2D", "c_activ:Activation"])
        XCTAssertEqual(out.node(named: "c")?.config["activation"], .string("linear"))
        XCTAssertEqual(out.node(named: "c_activ")?.config["activation"], .string("relu"))
        XCTAssertEqual(out.outputs, [TensorRef(layer: "c_activ")])
        // Activation('relu') then becomes an unbounded ReLU of the same name.
        let relu = try Sanitizer.ReplaceActivations.apply(out)
        XCTAssertEqual(relu.node(named: "c_activ")?.className, "ReLU")
        XCTAssertEqual(relu.node(named: "c_activ")?.config["max_value"], .null)
    }

    func testGroupedConvBecomesDepthwise() throws {
        let g = G.graph(
            [G.input([4, 4, 3]), G.conv("c", "input", filters: 3, kernel: 3, cin: 3, groups: 3)], output: "c")
        let out = try Sanitizer.ConvToDepthwise.apply(g)
        XCTAssertEqual(out.node(named: "c")?.className, "DepthwiseConv2D")
        XCTAssertEqual(out.node(named: "c")?.weight("depthwise_kernel")?.shape, [3, 3, 3, 1])
    }

    func testConsecutiveReshapesCollapse() throws {
        let g = G.graph(
            [
                G.input([2, 2, 3]), G.n("f", "Flatten", [], ["input"]),
                G.n("r", "Reshape", [("target_shape", G.ints([12]))], ["f"]),
            ], output: "r")
        let out = try Sanitizer.CollapseReshapes.apply(g)
        XCTAssertEqual(G.names(out), ["input:InputLayer", "r:Reshape"])
        XCTAssertEqual(out.node(named: "r")?.inputs, [TensorRef(layer: "input")])
    }

    func testRescalingOffsetFoldsIntoPaddedConv() throws {
        // Reference §5.3 step 8: Rescaling(1/127.5, −1) → Conv2D('same', no bias) becomes
        // Rescaling(1/127.5, 0) → PaddedConv2D(padding_value=[1.0], use_bias) with bias = −Σ kernel.
        let kernel: [Float] = (0..<(3 * 3 * 1 * 2)).map { Float($0) / 8 - 1 }
        let g = G.graph(
            [
                G.input([5, 5, 1]),
                G.n("rescaling", "Rescaling", [("scale", .number(1 / 127.5)), ("offset", .number(-1))], ["input"]),
                G.conv("c", "rescaling", filters: 2, kernel: 3, padding: "same", cin: 1, kernelValues: kernel),
            ], output: "c")
        let out = try Sanitizer.AlignRescaling.apply(g)
        XCTAssertEqual(out.node(named: "rescaling")?.config["offset"]?.double, 0)
        let c = try XCTUnwrap(out.node(named: "c"))
        XCTAssertEqual(c.className, "PaddedConv2D")
        XCTAssertEqual(c.config["padding_value"], .array([.number(1)]))
        XCTAssertEqual(c.config["use_bias"], .bool(true))
        let bias = try XCTUnwrap(c.weight("bias")).floats().scalars
        for ch in 0..<2 {
            let sum = stride(from: ch, to: kernel.count, by: 2).map { kernel[$0] }.reduce(0, +)
            XCTAssertEqual(bias[ch], -sum, accuracy: 1e-6)
        }
    }

    func testPerChannelRescalingPaddingValue() throws {
        // Reference §5.3: Rescaling(scale=[0.5, 0.25], offset=[0.1, −0.2]) gives padding_value [−0.2, 0.8].
        let g = G.graph(
            [
                G.input([4, 4, 2]),
                G.n(
                    "rescaling", "Rescaling",
                    [
                        ("scale", .array([.number(0.5), .number(0.25)])),
                        ("offset", .array([.number(0.1), .number(-0.2)])),
                    ], ["input"]),
                G.conv("c", "rescaling", filters: 2, kernel: 3, padding: "same", cin: 2),
            ], output: "c")
        let out = try Sanitizer.AlignRescaling.apply(g)
        let pv = try XCTUnwrap(out.node(named: "c")?.config["padding_value"]?.array?.compactMap(\.double))
        XCTAssertEqual(pv[0], -0.2, accuracy: 1e-6)
        XCTAssertEqual(pv[1], 0.8, accuracy: 1e-6)
        XCTAssertEqual(out.node(named: "rescaling")?.config["scale"]?.double, 1)
    }

    func testReLUMovesAfterMaxPool() throws {
        let g = G.graph(
            [
                G.input([4, 4, 1]), G.conv("c", "input", filters: 2, cin: 1),
                G.n("relu", "ReLU", [], ["c"]), G.n("pool", "MaxPooling2D", [("pool_size", G.ints([2, 2]))], ["relu"]),
                G.n("f", "Flatten", [], ["pool"]),
            ], output: "f")
        let out = try Sanitizer.InvertActivationMaxPool.apply(g)
        XCTAssertEqual(G.names(out), ["input:InputLayer", "c:Conv2D", "pool:MaxPooling2D", "relu:ReLU", "f:Flatten"])
        XCTAssertEqual(out.node(named: "pool")?.inputs, [TensorRef(layer: "c")])
        XCTAssertEqual(out.node(named: "f")?.inputs, [TensorRef(layer: "relu")])
    }

    func bn(_ name: String, _ input: String, c: Int, gamma: Float = 2) -> GraphNode {
        G.n(
            name, "BatchNormalization", [("axis", G.ints([-1])), ("epsilon", .number(1))], [input],
            weights: [
                ("gamma", Tensor(shape: [c], repeating: gamma)), ("beta", Tensor(shape: [c], repeating: 1)),
                ("moving_mean", Tensor(shape: [c], repeating: 0.5)),
                ("moving_variance", Tensor(shape: [c], repeating: 3)),
            ])
    }

    func testBatchNormAfterGAPMovesBeforeIt() throws {
        let g = G.graph(
            [
                G.input([4, 4, 2]), G.conv("c", "input", filters: 2, cin: 2),
                G.n("gap", "GlobalAveragePooling2D", [], ["c"]), bn("bn", "gap", c: 2),
            ], output: "bn")
        let out = try Sanitizer.InvertBatchNormPooling.apply(g)
        XCTAssertEqual(
            G.names(out), ["input:InputLayer", "c:Conv2D", "bn:BatchNormalization", "gap:GlobalAveragePooling2D"])
        XCTAssertEqual(out.outputs, [TensorRef(layer: "gap")])
    }

    func testBatchNormFoldsIntoConv() throws {
        // s = γ / sqrt(var + ε) = 2 / sqrt(3 + 1) = 1; W' = W·s; b' = β + (b − μ)·s = 1 + (0.5 − 0.5) = 1.
        let g = G.graph(
            [G.input([4, 4, 1]), G.conv("c", "input", filters: 2, cin: 1, bias: true), bn("bn", "c", c: 2)],
            output: "bn")
        let out = try Sanitizer.FoldBatchNorms.apply(g)
        XCTAssertEqual(G.names(out), ["input:InputLayer", "c:Conv2D"])
        XCTAssertEqual(out.node(named: "c")?.weight("bias")?.floats().scalars, [1, 1])
        XCTAssertEqual(out.node(named: "c")?.weight("kernel"), g.node(named: "c")?.weight("kernel"))
        XCTAssertEqual(out.outputs, [TensorRef(layer: "c")])
        // A null gamma makes the pass fail, so sanitize keeps the BatchNormalization.
        let null = G.graph(
            [G.input([4, 4, 1]), G.conv("c", "input", filters: 2, cin: 1), bn("bn", "c", c: 2, gamma: 0)], output: "bn")
        XCTAssertThrowsError(try Sanitizer.FoldBatchNorms.apply(null))
        let sanitized = Sanitizer.sanitize(null)
        XCTAssertNotNil(sanitized.graph.node(named: "bn"))
        XCTAssertEqual(
            sanitized.notes, [SanitizeNote(pass: "fold_batchnorms", layer: "bn", reason: "null gammas in bn")])
    }

    func testZeroPaddingAbsorbedIntoSameConv() throws {
        let g = G.graph(
            [
                G.input([6, 6, 1]), G.n("pad", "ZeroPadding2D", [("padding", .number(1))], ["input"]),
                G.conv("c", "pad", filters: 2, kernel: 3, cin: 1),
            ], output: "c")
        let out = try Sanitizer.RemoveZeroPadding.apply(g)
        XCTAssertEqual(G.names(out), ["input:InputLayer", "c:Conv2D"])
        XCTAssertEqual(out.node(named: "c")?.config["padding"], .string("same"))
    }

    func testConcatenateSplitIntoPairs() throws {
        let g = G.graph(
            [
                G.input([2, 2, 1]), G.n("a", "ReLU", [], ["input"]), G.n("b", "ReLU", [], ["input"]),
                G.n("d", "ReLU", [], ["input"]), G.n("cat", "Concatenate", [("axis", .number(-1))], ["a", "b", "d"]),
            ],
            output: "cat")
        let out = try Sanitizer.SplitConcatenate.apply(g)
        XCTAssertEqual(out.node(named: "cat_b")?.inputs, [TensorRef(layer: "a"), TensorRef(layer: "b")])
        XCTAssertEqual(out.node(named: "cat")?.inputs, [TensorRef(layer: "cat_b"), TensorRef(layer: "d")])
    }

    func testEvenKernelBecomesOdd() throws {
        let g = G.graph(
            [G.input([8, 8, 4]), G.conv("c", "input", filters: 1, kernel: 4, padding: "same", cin: 4)], output: "c")
        let out = try Sanitizer.EvenToOddKernels.apply(g)
        let k = try XCTUnwrap(out.node(named: "c")?.weight("kernel")?.floats())
        XCTAssertEqual(k.shape, [5, 5, 4, 1])
        let old = try XCTUnwrap(g.node(named: "c")?.weight("kernel")?.floats())
        // Stride 1: the 4×4 kernel sits at offset (1, 1); row 0 and column 0 are zero.
        let newIndex: Int = ((1 + 2) * 5 + (1 + 3)) * 4 + 2
        let oldIndex: Int = (2 * 4 + 3) * 4 + 2
        XCTAssertEqual(k.scalars[newIndex], old.scalars[oldIndex])
        XCTAssertTrue((0..<(5 * 4)).allSatisfy { k.scalars[$0] == 0 })
    }

    func testStridedLargeDepthwiseSplit() throws {
        let dw = G.n(
            "dw", "DepthwiseConv2D",
            [("kernel_size", G.ints([5, 5])), ("strides", G.ints([2, 2])), ("padding", .string("same"))],
            ["input"], weights: [("depthwise_kernel", Tensor(shape: [5, 5, 2, 1], repeating: 1))])
        let out = try Sanitizer.SplitStridedDepthwise.apply(G.graph([G.input([8, 8, 2]), dw], output: "dw"))
        XCTAssertEqual(G.names(out), ["input:InputLayer", "dw:DepthwiseConv2D", "dw_identity_dw_conv:DepthwiseConv2D"])
        XCTAssertEqual(out.node(named: "dw")?.config["strides"], G.ints([1, 1]))
        let id = try XCTUnwrap(out.node(named: "dw_identity_dw_conv")?.weight("depthwise_kernel")?.floats())
        XCTAssertEqual(id.scalars.reduce(0, +), 2)
        XCTAssertEqual(id.scalars[4 * 2], 1)
    }

    func testIdentityConvAfterAddReLUGAP() throws {
        let g = G.graph(
            [
                G.input([4, 4, 3]), G.conv("a", "input", filters: 3, cin: 3), G.conv("b", "input", filters: 3, cin: 3),
                G.n("add", "Add", [], ["a", "b"]), G.n("relu", "ReLU", [], ["add"]),
                G.n("gap", "GlobalAveragePooling2D", [], ["relu"]),
            ], output: "gap")
        let out = try Sanitizer.IdentityConvAfterAddReLUGAP.apply(g)
        XCTAssertEqual(out.node(named: "relu")?.inputs, [TensorRef(layer: "add_identity_conv")])
        let eye = try XCTUnwrap(out.node(named: "add_identity_conv")?.weight("kernel")?.floats())
        XCTAssertEqual(eye.shape, [1, 1, 3, 3])
        XCTAssertEqual(eye.scalars, [1, 0, 0, 0, 1, 0, 0, 0, 1])
    }

    func testIdentityConvAfterBranchingInputBlock() throws {
        // Reference §5.3 16c: Conv → ReLU → {Conv, Add} gets `relu_identity_conv`.
        let g = G.graph(
            [
                G.input([4, 4, 3]), G.conv("c", "input", filters: 4, cin: 3), G.n("relu", "ReLU", [], ["c"]),
                G.conv("c2", "relu", filters: 4, cin: 4), G.n("add", "Add", [], ["relu", "c2"]),
            ], output: "add")
        let out = try Sanitizer.IdentityConvAfterInputBlock.apply(g)
        XCTAssertEqual(out.outbound(of: "relu"), ["relu_identity_conv"])
        XCTAssertEqual(Set(out.outbound(of: "relu_identity_conv")), ["c2", "add"])
    }

    func testIdentityConvForAddOfSameTensor() throws {
        let g = G.graph(
            [G.input([4, 4, 2]), G.n("relu", "ReLU", [], ["input"]), G.n("add", "Add", [], ["relu", "relu"])],
            output: "add")
        let out = try Sanitizer.IdentityConvForSameInbounds.apply(g)
        XCTAssertEqual(
            out.node(named: "add")?.inputs, [TensorRef(layer: "relu_identity_conv"), TensorRef(layer: "relu")])
    }

    func testIdentityConvsLimitOutboundsToTwo() throws {
        let g = G.graph(
            [
                G.input([4, 4, 2]), G.n("relu", "ReLU", [], ["input"]),
                G.conv("a", "relu", filters: 2, cin: 2), G.conv("b", "relu", filters: 2, cin: 2),
                G.conv("c", "relu", filters: 2, cin: 2),
            ], output: "c")
        let out = try Sanitizer.IdentityConvsForTwoOutbounds.apply(g)
        XCTAssertEqual(out.outbound(of: "relu"), ["relu_identity_conv_3", "a"])
        XCTAssertEqual(Set(out.outbound(of: "relu_identity_conv_3")), ["b", "c"])
    }

    func testFailingPassIsSkipped() throws {
        // A Rescaling with an offset and two outbounds cannot be aligned: the pass throws and
        // sanitize keeps the Rescaling untouched.
        let g = G.graph(
            [
                G.input([4, 4, 1]),
                G.n("rescaling", "Rescaling", [("scale", .number(0.5)), ("offset", .number(-1))], ["input"]),
                G.conv("a", "rescaling", filters: 1, cin: 1), G.conv("b", "rescaling", filters: 1, cin: 1),
                G.n("add", "Add", [], ["a", "b"]),
            ], output: "add")
        XCTAssertThrowsError(try Sanitizer.AlignRescaling.apply(g))
        let sanitized = Sanitizer.sanitize(g)
        XCTAssertEqual(sanitized.graph.node(named: "rescaling")?.config["offset"]?.double, -1)
        // The skip is recorded with the pass, the layer and the rule.
        XCTAssertEqual(sanitized.notes.map(\.pass), ["align_rescaling"])
        XCTAssertEqual(sanitized.notes.first?.layer, "rescaling")
    }
}
