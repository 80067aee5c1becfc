// RefusedBlockConverter: registered Akida 2.0 layers SpikeForge does not build are refused when
// built, naming the layer and the rule.
import Conversion
import XCTest

final class RefusedBlocksTests: XCTestCase {
    func testPicoPostProcessingIsRefusedNamingTheLayer() throws {
        var model = try TinyModel(input: [4, 4, 2])
        try model.add("post", "QuantizedPicoPostProcessing", "{}")
        let error = try XCTUnwrap(model.refusal(.v2))
        XCTAssertEqual(error.kind, .unsupported)
        XCTAssertEqual(error.rule, "unsupported-layer")
        XCTAssertEqual(
            error.referenceMessage,
            "NotImplementedError: Layers 'post': unsupported type [QuantizedPicoPostProcessing]: "
                + "QuantizedPicoPostProcessing blocks are not supported by SpikeForge's converter")
    }
}
