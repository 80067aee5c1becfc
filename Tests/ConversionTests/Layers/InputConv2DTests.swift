// InputConv2DConverter: a convolution on the model's 1- or 3-channel input.
import AkidaModel
import Conversion
import XCTest

final class InputConv2DTests: XCTestCase {
    private func model(weightBits: Int) throws -> TinyModel {
        var model = try TinyModel(input: [4, 4, 3])
        try model.add(
            "conv", "QuantizedConv2D",
            #"{"filters": 2, "kernel_size": 3, "padding": "same", \#(quantConfig(weightBits: weightBits))}"#,
            record: .kernel())
        try model.add("relu", "QuantizedReLU", #"{"max_value": 6, \#(quantConfig(outputBits: 4))}"#)
        return model
    }

    func testAkida2InputConv2D() throws {
        let akida = try model(weightBits: 8).convert(.v2)
        XCTAssertEqual(akida.layers.map(\.type), [.inputConv2D])
        let conv = akida.layers[0]
        XCTAssertEqual(conv.parameters["input_channels"], 3)
        XCTAssertEqual(conv.parameters["input_x"], 4)
        XCTAssertEqual(conv.parameters["filters"], 2)
        XCTAssertEqual(conv.parameters["activation"], 1)
        XCTAssertEqual(conv.variables["weights"]?.shape, [3, 3, 3, 2])
        XCTAssertNotNil(conv.variables["padding_value"])
        XCTAssertNil(conv.variables["input_shift"])
    }

    func testAkida1InputConvolutional() throws {
        let akida = try model(weightBits: 4).convert(.v1)
        XCTAssertEqual(akida.layers.map(\.type), [.inputConvolutional])
        XCTAssertEqual(akida.layers[0].parameters["padding_value"], 0)
        XCTAssertEqual(akida.layers[0].parameters["act_bits"], 4)
    }

    func testWeightBitsAreChecked() throws {
        let error = try XCTUnwrap(model(weightBits: 2).refusal(.v2))
        XCTAssertEqual(error.rule, "weight-bits")
        XCTAssertEqual(
            error.referenceMessage,
            "ValueError: InputConvolutional layer can only handle weights with 4 or 8 bits. Received: 2.")
    }
}
