// QuantConfig, the one reader of a layer's quant_config: QuantizeML's quantizer defaults
// (reference §3.4, §8.2) when a key is absent.
import KerasGraph
import Quantization
import XCTest

final class QuantConfigTests: XCTestCase {
    func testDefaultsWhenAbsent() {
        let none = QuantConfig(layerConfig: TinyModel.json(#"{"name": "relu"}"#))
        XCTAssertTrue(none.isEmpty)
        XCTAssertEqual(none.bitwidth("weight_quantizer"), 8)
        XCTAssertEqual(none.bufferBitwidth, 32)
        XCTAssertTrue(none.signed("bias_quantizer", default: true))
        XCTAssertNil(none.outputQuantizer)
    }

    func testSavedValues() {
        let qc = QuantConfig(
            layerConfig: TinyModel.json(
                #"""
                {"quant_config": {"weight_quantizer": {"bitwidth": 4, "signed": false}, "buffer_bitwidth": 20,
                 "output_quantizer": {"bitwidth": 6, "axis": "per-axis"}}}
                """#))
        XCTAssertEqual(qc.bitwidth("weight_quantizer"), 4)
        XCTAssertFalse(qc.signed("weight_quantizer", default: true))
        XCTAssertEqual(qc.bufferBitwidth, 20)
        let oq = qc.outputQuantizer
        XCTAssertEqual(oq?.bitwidth, 6)
        XCTAssertEqual(oq?.signed, true)
        XCTAssertEqual(oq?.isPerAxis, true)
        XCTAssertEqual(oq?.scaleBits, 8)
        XCTAssertEqual(oq?.bufferBitwidth, 32)
    }
}
