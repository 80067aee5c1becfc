// A streaming spatio-temporal TENN quantized by QuantizeML (Tests/Fixtures/tenn_st) converts to the
// Akida 2.0 model cnn2snn builds (BufferTempConv / DepthwiseBufferTempConv), and has no Akida 1.0
// form.
import AkidaFormats
import AkidaModel
import Conversion
import Foundation
import KerasHDF5
import Quantization
import TestSupport
import XCTest

final class StreamingTENNConversionTests: XCTestCase {
    let dir = Fixtures.root.appendingPathComponent("tenn_st/dvs128_stream")

    func testConvertsLikeCnn2snn() throws {
        let model = try QuantizedModel(file: KerasH5.read(dir.appendingPathComponent("quantized.h5")))
        let output = try Converter.convert(quantized: model, target: .v2)
        let want = try AkidaJSON.read(contentsOf: dir.appendingPathComponent("akida_v2.json"))
        XCTAssertNil(firstDifference(output.model, want))
        XCTAssertEqual(output.model.layers.filter { $0.type == .bufferTempConv }.count, 2)
        XCTAssertEqual(output.model.layers.filter { $0.type == .depthwiseBufferTempConv }.count, 3)
        XCTAssertThrowsError(try Converter.convert(quantized: model, target: .v1))
    }
}
