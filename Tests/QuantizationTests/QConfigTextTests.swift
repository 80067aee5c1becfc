// The q_config text SpikeForge prints (CLI `config`, GET /models/{id}/q_config) is byte-identical
// to the reference's `json.dumps(dump_config(model), indent=2)` file for every corpus case.
import Foundation
import KerasHDF5
import Quantization
import TestSupport
import XCTest

final class QConfigTextTests: XCTestCase {
    func testIndentedQConfigIsByteIdenticalToTheReference() throws {
        let cases = try CorpusCase.quantizedCases()
        XCTAssertFalse(cases.isEmpty)
        for name in cases {
            let model = try QuantizedModel(file: try KerasH5.read(Fixtures.file(name, "quantized.h5")))
            let want = try String(contentsOf: Fixtures.file(name, "q_config.json"), encoding: .utf8)
            XCTAssertEqual(model.dumpConfig().serialized(pretty: true) + "\n", want, name)
        }
    }
}
