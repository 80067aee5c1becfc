// InputQuantizerConverter and InputData insertion.
import AkidaModel
import Conversion
import XCTest

final class InputQuantizerTests: XCTestCase {
    func testUnsignedInputQuantizerBecomesAQuantizerBeforeTheInputConvolution() throws {
        var model = try TinyModel(input: [4, 4, 3])
        try model.add("iq", "InputQuantizer", #"{"bitwidth": 8, "signed": false}"#)
        try model.add(
            "conv", "QuantizedConv2D", #"{"filters": 2, "kernel_size": 3, "padding": "same", \#(quantConfig())}"#,
            record: .kernel())
        try model.add("relu", "QuantizedReLU", #"{\#(quantConfig(outputBits: 8))}"#)
        let akida = try model.convert(.v2)
        XCTAssertEqual(akida.layers.map(\.type), [.quantizer, .inputConv2D])
        let q = akida.layers[0]
        XCTAssertEqual(q.parameters["output_bits"], 8)
        XCTAssertEqual(q.parameters["output_signed"], 0)
        XCTAssertEqual(q.parameters["input_channels"], 3)
        XCTAssertEqual(q.outputShape, [4, 4, 3])
    }

    func testAFloatInputGetsAnInputDataLayer() throws {
        var model = try TinyModel(input: [4])
        try model.add("dense", "QuantizedDense", #"{"units": 2, \#(quantConfig(weightBits: 4))}"#, record: .kernel())
        for (target, bits) in [(AkidaTarget.v2, 8), (.v1, 4)] {
            let input = try model.convert(target).layers[0]
            XCTAssertEqual(input.type, .inputData)
            XCTAssertEqual(input.name, "input")
            XCTAssertEqual(input.parameters["input_bits"], bits, target.rawValue)
            XCTAssertEqual(input.outputShape, [1, 1, 4])
        }
    }

    func testUnsignedIntegerInputIsRefused() throws {
        var model = try TinyModel(input: [4], dtype: "uint8")
        try model.add("dense", "QuantizedDense", #"{"units": 2, \#(quantConfig())}"#, record: .kernel())
        let error = try XCTUnwrap(model.refusal(.v2))
        XCTAssertEqual(error.layer, "input")
        XCTAssertEqual(error.rule, "signed-input")
        XCTAssertEqual(
            error.referenceMessage,
            "ValueError: Layers 'dense': unsupported type [QuantizedDense]: Only signed inputs are supported.")
    }
}
