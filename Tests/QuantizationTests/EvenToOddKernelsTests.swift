// convert_even_to_odd_kernel on transposed convolutions: the reference picks its layers with
// isinstance(Conv2D / DepthwiseConv2D), so Conv2DTranspose and DepthwiseConv2DTranspose (their
// subclasses) get the same odd kernel (seen on a Conv2DTranspose(k2, s2, same): 2x2 -> 3x3).
import KerasGraph
import Quantization
import Tensors
import XCTest

final class EvenToOddKernelsTests: XCTestCase {
    private func transposed(
        _ cls: String, kernelName: String, kernelShape: [Int], extra: [(String, JSONValue)] = []
    ) -> LayerGraph {
        let count = kernelShape.reduce(1, *)
        let node = G.n(
            "t", cls,
            [
                ("kernel_size", G.ints([2, 2])), ("strides", G.ints([2, 2])), ("padding", .string("same")),
                ("use_bias", .bool(false)), ("activation", .string("linear")),
            ] + extra,
            ["relu"], weights: [(kernelName, Tensor(shape: kernelShape, scalars: (1...count).map(Float.init)))])
        return G.graph([G.input([4, 3, 4]), G.n("relu", "ReLU", [], ["input"]), node], output: "t")
    }

    /// The 2x2 kernel moves into a 3x3 zero kernel at (height % 2, width % 2) = (0, 1).
    private func assertGrown(_ out: LayerGraph, _ old: LayerGraph, kernelName: String, grownShape: [Int]) throws {
        XCTAssertEqual(out.node(named: "t")?.config["kernel_size"], G.ints([3, 3]))
        let k = try XCTUnwrap(out.node(named: "t")?.weight(kernelName)?.floats())
        let o = try XCTUnwrap(old.node(named: "t")?.weight(kernelName)?.floats())
        XCTAssertEqual(k.shape, grownShape)
        let tap = grownShape[2] * grownShape[3]
        for y in 0..<3 {
            for x in 0..<3 {
                let got = Array(k.scalars[((y * 3 + x) * tap)..<((y * 3 + x + 1) * tap)])
                let want =
                    (y < 2 && x >= 1)
                    ? Array(o.scalars[((y * 2 + x - 1) * tap)..<((y * 2 + x) * tap)])
                    : [Float](repeating: 0, count: tap)
                XCTAssertEqual(got, want, "tap (\(y), \(x))")
            }
        }
    }

    func testConv2DTransposeEvenKernelBecomesOdd() throws {
        let g = transposed(
            "Conv2DTranspose", kernelName: "kernel", kernelShape: [2, 2, 5, 4], extra: [("filters", .number(5))])
        try assertGrown(try Sanitizer.EvenToOddKernels.apply(g), g, kernelName: "kernel", grownShape: [3, 3, 5, 4])
    }

    func testDepthwiseConv2DTransposeEvenKernelBecomesOdd() throws {
        let g = transposed(
            "Custom>DepthwiseConv2DTranspose", kernelName: "depthwise_kernel", kernelShape: [2, 2, 4, 1],
            extra: [("depth_multiplier", .number(1))])
        try assertGrown(
            try Sanitizer.EvenToOddKernels.apply(g), g, kernelName: "depthwise_kernel", grownShape: [3, 3, 4, 1])
    }
}
