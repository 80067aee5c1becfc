// The registry's shape pass over every corpus model, float and quantized: every layer of a
// class the engine knows gets a shape, and a quantized model ends in its float model's shape.
import Foundation
import KerasGraph
import KerasHDF5
import TestSupport
import XCTest

final class LayerRegistryCorpusTests: XCTestCase {
    func testEveryCorpusLayerHasAShape() throws {
        var checked = 0
        for name in try Fixtures.corpusCases() where !name.hasPrefix("neg_") {
            let dir = Fixtures.corpusCase(name)
            let float = try LayerGraph(file: try KerasH5.read(dir.appendingPathComponent("model.h5")))
            let floatShapes = LayerRegistry.outputShapes(of: float)
            XCTAssertEqual(Set(floatShapes.keys), Set(float.nodes.map(\.name)), name)
            let quantizedURL = dir.appendingPathComponent("quantized.h5")
            guard FileManager.default.fileExists(atPath: quantizedURL.path) else { continue }
            let quantized = try LayerGraph(file: try KerasH5.read(quantizedURL))
            XCTAssertTrue(quantized.isQuantized, name)
            XCTAssertFalse(float.isQuantized, name)
            let shapes = LayerRegistry.outputShapes(of: quantized)
            XCTAssertEqual(Set(shapes.keys), Set(quantized.nodes.map(\.name)), name)
            let floatOut = float.outputs.first.flatMap { floatShapes[$0.layer] }
            XCTAssertEqual(quantized.outputs.first.flatMap { shapes[$0.layer] }, floatOut, name)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 10)
    }
}
