// SeparableConv2DConverter: Akida 1.0 only.
import AkidaModel
import Conversion
import XCTest

final class SeparableConv2DTests: XCTestCase {
    private func model(pointwiseBits: Int) throws -> TinyModel {
        var model = try TinyModel(input: [5, 5, 4])
        var record = RecordedLayer.kernel(key: "depthwise_kernel")
        record.weights["pointwise_kernel"] = IntTensor(scalar: 1)
        let bits =
            #""quant_config": {"dw_weight_quantizer": {"bitwidth": 4}, "#
            + #""pw_weight_quantizer": {"bitwidth": \#(pointwiseBits)}}"#
        try model.add(
            "sep", "QuantizedSeparableConv2D", #"{"filters": 6, "kernel_size": 3, "padding": "same", \#(bits)}"#,
            record: record)
        try model.add("relu", "QuantizedReLU", #"{"max_value": 6, \#(quantConfig(outputBits: 4))}"#)
        return model
    }

    func testAkida1SeparableConvolutional() throws {
        let akida = try model(pointwiseBits: 4).convert(.v1)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .separableConvolutional])
        let sep = akida.layers[1]
        XCTAssertEqual(sep.variables["weights"]?.shape, [3, 3, 4, 1])
        XCTAssertEqual(sep.variables["weights_pw"]?.shape, [1, 1, 4, 6])
        XCTAssertEqual(sep.outputShape, [5, 5, 6])
    }

    func testPointwiseBitsMustEqualDepthwiseBits() throws {
        let error = try XCTUnwrap(model(pointwiseBits: 2).refusal(.v1))
        XCTAssertEqual(
            error.referenceMessage,
            "ValueError: SeparableConvolutional layer pointwise weights should also be 4 bits. Received: 2.")
    }

    func testAkida2AsksToUnfuse() throws {
        let error = try XCTUnwrap(model(pointwiseBits: 4).refusal(.v2))
        XCTAssertEqual(error.kind, .invalidBlock)
        XCTAssertTrue(error.fix?.contains("unfused into DepthwiseConv2D + 1x1 Conv2D") == true, "\(error)")
    }
}
