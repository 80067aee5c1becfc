// RefusedBlockConverter: registered Akida 2.0 layers SpikeForge does not build are refused when
// built, naming the layer and the rule.
import Conversion
import XCTest

final class RefusedBlocksTests: XCTestCase {
    func testBufferTempConvIsRefusedNamingTheLayer() throws {
        var model = try TinyModel(input: [4, 4, 2])
        try model.add(
            "up", "QuantizedBufferTempConv", #"{"filters": 2, \#(quantConfig())}"#, record: .kernel())
        let error = try XCTUnwrap(model.refusal(.v2))
        XCTAssertEqual(error.kind, .unsupported)
        XCTAssertEqual(error.rule, "unsupported-layer")
        XCTAssertEqual(
            error.referenceMessage,
            "NotImplementedError: Layers 'up': unsupported type [QuantizedBufferTempConv]: "
                + "QuantizedBufferTempConv blocks are not supported by SpikeForge's converter")
    }

    func testAkida1HasNoBufferTempConvPattern() throws {
        var model = try TinyModel(input: [4, 4, 2])
        try model.add(
            "up", "QuantizedBufferTempConv", #"{"filters": 2, \#(quantConfig())}"#, record: .kernel())
        XCTAssertEqual(model.refusal(.v1)?.kind, .invalidBlock)
    }
}
