// QuantizedAdd (reference §7.13): two FixedPoints aligned on the larger fb, summed on 31 bits;
// the float pipeline refuses an Add of more than two inputs by name.
import Diagnostics
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedAddTests: XCTestCase {
    func testSumAndOutputQuantizer() throws {
        let add = LayerFixture.layer(
            "add", "Custom>QuantizedAdd",
            #"""
            {"name": "add", "average": false, "quant_config": {"buffer_bitwidth": 32,
            "output_quantizer": {"bitwidth": 8, "axis": "per-tensor", "buffer_bitwidth": 32}}}
            """#,
            inputs: ["iq", "iq"],
            variables: [
                ("output_quantizer/range_max", LayerFixture.t([], [4])),
                ("output_quantizer/rescaling_rate", LayerFixture.t([], [1])),
            ])
        var plain = add
        plain.config = TinyModel.json(#"{"name": "add", "average": false, "quant_config": {"buffer_bitwidth": 32}}"#)
        plain.variables = []
        // R = 1 → fb 7: payload [3, −5, 100]; the sum doubles it on 31 value bits.
        let x = LayerFixture.t([1, 3], [3, -5, 100].map { $0 / 128 })
        let sum = try LayerFixture.output(LayerFixture.model([3], range: 1, [plain]), x)
        XCTAssertEqual(sum.values, [6, -10, 200])
        XCTAssertEqual(sum.fracBits.values, [7])
        XCTAssertEqual(sum.valueBits, 31)
        // range_max 4 → fb_o = 7 − 2 = 5, shift −2 (half up): [1.5, −2.5, 50] → [2, −2, 50].
        let model = LayerFixture.model([3], range: 1, [add])
        let y = try LayerFixture.output(model, x)
        XCTAssertEqual(y.values, [2, -2, 50])
        XCTAssertEqual(y.fracBits.values, [5])
        let r = try XCTUnwrap(LayerFixture.integers(model, x)["add"])
        XCTAssertEqual(r.aShift, [0])
        XCTAssertEqual(r.bShift, [0])
        XCTAssertEqual(r.outputShift, [-2])
        XCTAssertNil(r.outputScales)
    }

    func testThreeInputAddIsRefusedByName() throws {
        let dense = { (name: String) in
            G.n(
                name, "Dense", [("units", .number(2)), ("activation", .string("linear")), ("use_bias", .bool(false))],
                ["input"], weights: [("kernel", Tensor(shape: [4, 2], repeating: 0.5))])
        }
        let g = G.graph(
            [G.input([4]), dense("a"), dense("b"), dense("c"), G.n("add", "Add", [], ["a", "b", "c"])],
            output: "add")
        XCTAssertThrowsError(try Quantizer.prepare(g, options: QuantizeOptions())) { error in
            let e = error as? QuantizationError
            XCTAssertEqual(e, .addArity(layer: "add", inputs: 3))
            XCTAssertEqual(e?.layer, "add")
            XCTAssertEqual(e?.rule, "add-two-inputs")
            XCTAssertEqual(e?.problemType, .unsupportedLayer)
        }
    }
}
