// Dequantizer (reference 7.9): float32 products of integers and per-channel scales; predict's
// last layer on Akida 2.0.
import AkidaModel
import XCTest

final class DequantizerTests: XCTestCase {
    private func dequantizer(_ scales: [Float], count: Int? = nil) throws -> AkidaLayer {
        AkidaLayer(
            name: "dq", type: .dequantizer, parameters: [:],
            variables: ["scales": try floats([count ?? scales.count], scales)],
            inbounds: ["input"], inputShapes: [[1, 1, 2]], outputShape: [1, 1, 2])
    }

    func testScalesPerChannel() throws {
        let sim = try AkidaSimulator(model: model([inputData([1, 1, 2]), try dequantizer([0.5, 0.1])]))
        XCTAssertTrue(sim.canPredict)
        let out = try sim.predict(batch([[127, -128]], shape: [1, 1, 2]))
        XCTAssertEqual(out.dtype, .float32)
        XCTAssertEqual(out.floats, [63.5, Float(-128) * Float(0.1)])
    }

    func testSummaryRowAndScalesCount() throws {
        let layer = try dequantizer([0.5], count: 1)
        XCTAssertEqual(AkidaLayerType.dequantizer.definition.summaryRow(layer).kernelShapes, [])
        XCTAssertEqual(
            compileError(try model([inputData([1, 1, 2]), layer])),
            "layer 'dq': variable 'scales' must hold 2 values, has shape [1]")
    }
}
