// EngineTests: q_config validation before quantization — every q_config the reference dumped for a
// corpus model passes against that float model, and bad values or unknown layers are refused with
// the layer and field named.
import Diagnostics
import Engine
import Foundation
import JSON
import TestSupport
import XCTest

final class QConfigCheckTests: XCTestCase {
    func testEveryReferenceQConfigPassesAgainstItsFloatModel() throws {
        var checked = 0
        for name in try Fixtures.corpusCases() {
            let config = Fixtures.file(name, "q_config.json")
            let model = Fixtures.file(name, "model.h5")
            guard FileManager.default.fileExists(atPath: config.path),
                FileManager.default.fileExists(atPath: model.path)
            else { continue }
            let qConfig = try JSONValue(parsing: String(contentsOf: config, encoding: .utf8))
            XCTAssertNoThrow(try QuantizeRequest.validate(qConfig: qConfig, floatAt: model), name)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 10)
    }

    func testBadValuesAndUnknownLayersNameLayerAndField() throws {
        let model = Fixtures.file("ds_cnn_kws", "model.h5")
        let cases: [(String, String, String?)] = [
            (#"{"conv_0": {"weight_quantizer": {"bitwidth": 0}}}"#, "conv_0", "weight_quantizer.bitwidth"),
            (#"{"conv_0": {"weight_quantizer": {"bitwidth": "x"}}}"#, "conv_0", "weight_quantizer.bitwidth"),
            (#"{"conv_0": {"weight_quantizer": {"bitwidth": 99}}}"#, "conv_0", "weight_quantizer.bitwidth"),
            (#"{"conv_0": {"buffer_bitwidth": 1000}}"#, "conv_0", "buffer_bitwidth"),
            (#"{"conv_0/relu": {"output_quantizer": {"axis": "sideways"}}}"#, "conv_0/relu", "output_quantizer.axis"),
            (#"{"no_such_layer": {"weight_quantizer": {"bitwidth": 4}}}"#, "no_such_layer", nil),
        ]
        for (text, layer, field) in cases {
            XCTAssertThrowsError(try QuantizeRequest.validate(qConfig: try JSONValue(parsing: text), floatAt: model)) {
                let error = $0 as? QConfigError
                XCTAssertEqual(error?.layerName, layer, text)
                XCTAssertEqual(error?.field, field, text)
                XCTAssertEqual(error?.problemType, .invalidQuantizationParams, text)
                XCTAssertTrue("\($0)".contains("'\(layer)'"), "\($0)")
            }
        }
        let unsigned = #"{"conv_0/relu": {"output_quantizer": {"bitwidth": 1, "signed": false}}}"#
        XCTAssertNoThrow(try QuantizeRequest.validate(qConfig: try JSONValue(parsing: unsigned), floatAt: model))
    }
}
