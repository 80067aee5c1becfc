// DepthwiseConv2DConverter: Akida 2.0 only.
import AkidaModel
import Conversion
import XCTest

final class DepthwiseConv2DTests: XCTestCase {
    private func model(weightBits: Int) throws -> TinyModel {
        var model = try TinyModel(input: [5, 5, 4])
        try model.add(
            "dw", "QuantizedDepthwiseConv2D",
            #"{"kernel_size": 3, "padding": "same", \#(quantConfig(weightBits: weightBits))}"#, record: .kernel())
        return model
    }

    func testAkida2DepthwiseConv2D() throws {
        let akida = try model(weightBits: 8).convert(.v2)
        XCTAssertEqual(akida.layers.map(\.type), [.inputData, .depthwiseConv2D])
        let dw = akida.layers[1]
        XCTAssertNil(dw.parameters["filters"])
        XCTAssertEqual(dw.variables["weights"]?.shape, [3, 3, 4, 1])
        XCTAssertEqual(dw.outputShape, [5, 5, 4])
    }

    func testWeightBitsAreAnAssertion() throws {
        let error = try XCTUnwrap(model(weightBits: 2).refusal(.v2))
        XCTAssertEqual(
            error.referenceMessage,
            "AssertionError: DepthwiseConv2D layer can only handle weights with 4 or 8 bits. Received: 2.")
    }

    func testAkida1HasNoDepthwiseLayer() throws {
        XCTAssertEqual(try model(weightBits: 4).refusal(.v1)?.rule, "block-pattern")
    }
}
