// Stateful Akida models through the façade: a spatio-temporal TENN converted by cnn2snn (its
// BufferTempConv / DepthwiseBufferTempConv FIFOs) runs its batch as one time sequence bit-exact with
// akida, keeps its state from one predict to the next, and starts over on resetState() or every
// `sequenceLength` samples.
import Engine
import Foundation
import NumPyIO
import Tensors
import TestSupport
import XCTest

final class StatefulPredictTests: XCTestCase {
    let dir = Fixtures.root.appendingPathComponent("tenn_st/dvs128_stream")

    func load() throws -> (LoadedModel, NDArray) {
        (
            try LoadedModel.load(contentsOf: dir.appendingPathComponent("akida_v2.json")),
            try NPY.read(contentsOf: dir.appendingPathComponent("inputs.npy"))
        )
    }

    func outputs(_ model: LoadedModel, _ input: NDArray) throws -> [Float] {
        try model.predict([input]).outputs[0].array.floats().scalars
    }

    func testBatchIsOneSequenceBitExactWithAkida() throws {
        let (model, input) = try load()
        XCTAssertTrue(try model.isStateful)
        let want = try NPY.read(contentsOf: dir.appendingPathComponent("akida_v2_out.npy")).floats().scalars
        XCTAssertEqual(try outputs(model, input), want)
        let summary = try String(contentsOf: dir.appendingPathComponent("akida_v2_summary.txt"), encoding: .utf8)
        XCTAssertEqual(
            try ModelDocument.read(contentsOf: dir.appendingPathComponent("akida_v2.json")).summaryText
                .trimmingCharacters(in: .whitespacesAndNewlines),
            summary.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func testStateCarriesOverUntilReset() throws {
        let (model, input) = try load()
        let first = try outputs(model, input)
        let second = try outputs(model, input)
        XCTAssertNotEqual(second, first, "the second call continues the sequence")
        model.resetState()
        XCTAssertEqual(try outputs(model, input), first)
        // Two calls of half the batch are the batch.
        model.resetState()
        let half = input.shape[0] / 2
        let parts =
            try outputs(model, BatchRows.slice(input, 0..<half))
            + outputs(model, BatchRows.slice(input, half..<input.shape[0]))
        XCTAssertEqual(parts, first)
    }

    func testSequenceLengthRestartsEveryNSamples() throws {
        let (model, input) = try load()
        let perSample = try model.predict([input], sequenceLength: 1).outputs[0].array.floats().scalars
        let width = perSample.count / input.shape[0]
        for row in 0..<input.shape[0] {
            model.resetState()
            let alone = try outputs(model, BatchRows.slice(input, row..<(row + 1)))
            XCTAssertEqual(Array(perSample[(row * width)..<((row + 1) * width)]), alone, "sample \(row)")
        }
        XCTAssertThrowsError(try model.predict([input], sequenceLength: 0))
    }

    func testStatelessModelsAreUnaffected() throws {
        let model = try LoadedModel.load(contentsOf: Fixtures.file("mlp", "akida_v2.json"))
        let input = try NPY.read(contentsOf: Fixtures.file("mlp", "inputs_akida.npy"))
        XCTAssertFalse(try model.isStateful)
        let first = try outputs(model, input)
        XCTAssertEqual(try outputs(model, input), first)
        XCTAssertEqual(try model.predict([input], sequenceLength: 3).outputs[0].array.floats().scalars, first)
    }
}
