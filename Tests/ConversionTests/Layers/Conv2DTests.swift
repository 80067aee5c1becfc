// Conv2DConverter: Akida 2.0 Conv2D and Akida 1.0 Convolutional layers.
import AkidaModel
import Conversion
import XCTest

final class Conv2DTests: XCTestCase {
    private func model(kernel: String = "3", weightBits: Int, maxValue: String = "6") throws -> TinyModel {
        var model = try TinyModel(input: [5, 5, 2])
        try model.add(
            "conv", "QuantizedConv2D",
            #"{"filters": 3, "kernel_size": \#(kernel), "padding": "same", \#(quantConfig(weightBits: weightBits))}"#,
            record: .kernel())
        try model.add("relu", "QuantizedReLU", #"{"max_value": \#(maxValue), \#(quantConfig(outputBits: 4))}"#)
        return model
    }

    func testAkida2Conv2D() throws {
        let akida = try model(weightBits: 8).convert(.v2)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .conv2D])
        let conv = akida.layers[1]
        XCTAssertEqual(conv.name, "conv")
        XCTAssertEqual(conv.parameters["kernel_size"], 3)
        XCTAssertEqual(conv.parameters["filters"], 3)
        XCTAssertEqual(conv.parameters["padding"], 1)
        XCTAssertEqual(conv.parameters["activation"], 1)
        XCTAssertEqual(conv.parameters["output_bits"], 4)
        XCTAssertEqual(conv.outputShape, [5, 5, 3])
        XCTAssertEqual(conv.variables["input_shift"]?.shape, [2])
    }

    func testAkida1Convolutional() throws {
        let akida = try model(weightBits: 4).convert(.v1)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .convolutional])
        XCTAssertEqual(akida.layers[1].parameters["act_bits"], 4)
        XCTAssertEqual(akida.layers[1].parameters["weights_bits"], 4)
    }

    func testNonSquareKernelIsRefusedOnAkida2() throws {
        let error = try XCTUnwrap(model(kernel: "[3, 1]", weightBits: 8).refusal(.v2))
        XCTAssertEqual(error.layer, "conv")
        XCTAssertEqual(error.referenceMessage, "AssertionError: Conv2D handle onlysquare kernels")
    }

    func testAkida1WeightBits() throws {
        let error = try XCTUnwrap(model(weightBits: 8).refusal(.v1))
        XCTAssertEqual(
            error.referenceMessage,
            "ValueError: Convolutional layer can only handle weights with 1, 2 or 4 bits. Received: 8.")
    }

    func testAkida1RefusesAnUnboundedReLU() throws {
        let error = try XCTUnwrap(model(weightBits: 4, maxValue: "null").refusal(.v1))
        XCTAssertEqual(error.layer, "relu")
        XCTAssertEqual(error.rule, "v1-unbounded-relu")
    }
}
