// Conv2DTransposeConverter: Akida 2.0 Conv2DTranspose layers, the reference's assertions on
// strides and padding, and no Akida 1.0 pattern.
import AkidaModel
import Conversion
import XCTest

final class Conv2DTransposeTests: XCTestCase {
    private func model(padding: String = "same", strides: Int = 2) throws -> TinyModel {
        var model = try TinyModel(input: [4, 4, 2])
        try model.add(
            "up", "QuantizedConv2DTranspose",
            #"{"filters": 3, "kernel_size": 3, "strides": \#(strides), "padding": "\#(padding)", \#(quantConfig())}"#,
            record: .kernel())
        try model.add("relu", "QuantizedReLU", #"{"max_value": 6, \#(quantConfig(outputBits: 8))}"#)
        return model
    }

    func testAkida2Conv2DTranspose() throws {
        let akida = try model().convert(.v2)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .conv2DTranspose])
        let up = akida.layers[1]
        XCTAssertEqual(up.outputShape, [8, 8, 3])
        XCTAssertEqual(
            up.parameters.keys.sorted(),
            [
                "activation", "buffer_bits", "filters", "kernel_size", "output_bits", "post_op_buffer_bits",
                "weights_bits",
            ])
        XCTAssertEqual(up.parameters["activation"], 1)
        XCTAssertEqual(up.variables["weights"]?.shape, [3, 3, 2, 3])
        XCTAssertEqual(up.variables["input_shift"]?.shape, [2])
    }

    func testReferenceAssertionsRefuseTheBlock() throws {
        let valid = try XCTUnwrap(model(padding: "valid").refusal(.v2))
        XCTAssertEqual(valid.layer, "up")
        XCTAssertEqual(valid.referenceMessage, "AssertionError: QuantizedConv2DTranspose handles only 'same' padding")
        let stride = try XCTUnwrap(model(strides: 1).refusal(.v2))
        XCTAssertEqual(stride.rule, "transpose-stride")
    }

    func testAkida1HasNoTransposedPattern() throws {
        XCTAssertEqual(try model().refusal(.v1)?.kind, .invalidBlock)
    }
}

final class DepthwiseConv2DTransposeConverterTests: XCTestCase {
    func testAkida2DepthwiseConv2DTranspose() throws {
        var model = try TinyModel(input: [4, 4, 2])
        try model.add(
            "up", "QuantizedDepthwiseConv2DTranspose",
            #"{"kernel_size": 4, "strides": 2, "padding": "same", \#(quantConfig())}"#, record: .kernel())
        let akida = try model.convert(.v2)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .depthwiseConv2DTranspose])
        XCTAssertEqual(akida.layers[1].outputShape, [8, 8, 2])
        XCTAssertNil(akida.layers[1].parameters["filters"])
        XCTAssertEqual(akida.layers[1].variables["weights"]?.shape, [4, 4, 2, 1])
    }

    func testTwoBitWeightsAreRefusedWithTheReferenceWording() throws {
        var model = try TinyModel(input: [4, 4, 2])
        try model.add(
            "up", "QuantizedDepthwiseConv2DTranspose",
            #"{"kernel_size": 3, "strides": 2, "padding": "same", \#(quantConfig(weightBits: 2))}"#, record: .kernel())
        XCTAssertEqual(
            try XCTUnwrap(model.refusal(.v2)).referenceMessage,
            "AssertionError: DepthwiseConv2DTranspose layer can only handle weights with 4 or 8 bits. Received: 2.")
    }
}
