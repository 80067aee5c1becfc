// AddConverter and ConcatenateConverter: two 1x1 convolutions of the input merged (Akida 2.0 only).
import AkidaModel
import Conversion
import XCTest

final class MergeLayersTests: XCTestCase {
    private func model(_ merge: String, bBits: Int = 8) throws -> TinyModel {
        var model = try TinyModel(input: [4, 4, 2])
        for (name, bits) in [("a", 8), ("b", bBits)] {
            try model.add(
                name, "QuantizedConv2D", #"{"filters": 2, "kernel_size": 1, \#(quantConfig(outputBits: bits))}"#,
                inbounds: ["input"], record: .kernel())
        }
        try model.add("merge", merge, #"{"axis": 3, \#(quantConfig(outputBits: 8))}"#, inbounds: ["a", "b"])
        return model
    }

    func testAdd() throws {
        let akida = try model("QuantizedAdd").convert(.v2)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .conv2D, .conv2D, .add])
        let add = akida.layers[3]
        XCTAssertEqual(add.inbounds, ["a", "b"])
        XCTAssertEqual(add.parameters["output_bits"], 8)
        XCTAssertEqual(add.variables["a_shift"]?.shape, [2])
    }

    func testConcatenate() throws {
        let akida = try model("QuantizedConcatenate").convert(.v2)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .conv2D, .conv2D, .concatenate])
        XCTAssertEqual(akida.layers[3].outputShape, [4, 4, 4])
    }

    func testConcatenateInputsMustAgreeInSign() throws {
        let error = try XCTUnwrap(model("QuantizedConcatenate", bBits: 4).refusal(.v2))
        XCTAssertEqual(error.rule, "engine-constraint")
        XCTAssertEqual(error.message, "All Concatenate inbound layers should produce the same signs")
    }

    func testAkida1ModelsAreSequential() throws {
        let error = try XCTUnwrap(model("QuantizedAdd").refusal(.v1))
        XCTAssertEqual(error.rule, "v1-single-inbound")
        XCTAssertEqual(error.layer, "merge")
    }
}
