// Engine's row writer: a model's outputs written batch by batch as a dataset is read are the file
// `TensorFiles.write` gives for one predict over the whole dataset — the same bytes, and the same
// named arrays when TensorFiles reads them back — for one output (.npy) and several (.npz).
import Engine
import Foundation
import NumPyIO
import TestSupport
import XCTest

final class TensorFileRowsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeTempDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    /// Runs `inputs` through `model` in batches of `rows`, appending each batch's outputs to `url`.
    func writeInBatches(_ model: LoadedModel, _ inputs: URL, rows: Int, to url: URL) throws -> Int {
        var writer: TensorFiles.RowWriter?
        var batches = 0
        try TensorFiles.forEachBatch(contentsOf: inputs, rows: rows) { batch, total in
            let outputs = try model.predict([batch]).outputs
            if writer == nil {
                writer = try TensorFiles.RowWriter(creating: url, names: outputs.map(\.name), rows: total)
            }
            try writer?.append(outputs.map(\.array))
            batches += 1
        }
        try XCTUnwrap(writer).finish()
        return batches
    }

    func check(_ model: LoadedModel, inputs: URL, suffix: String, label: String) throws {
        let whole = try model.predict([try TensorFiles.firstArray(contentsOf: inputs, subject: label)]).outputs
        let expected = directory.appendingPathComponent("whole-\(label).\(suffix)")
        try TensorFiles.write(whole, to: expected)
        let rows = whole[0].array.shape[0]
        for batchRows in [5, 1, rows] {
            let url = directory.appendingPathComponent("rows-\(label)-\(batchRows).\(suffix)")
            let batches = try writeInBatches(model, inputs, rows: batchRows, to: url)
            XCTAssertEqual(batches, (rows + batchRows - 1) / batchRows, label)
            let read = try TensorFiles.arrays(contentsOf: url)
            let wholeRead = try TensorFiles.arrays(contentsOf: expected)
            XCTAssertEqual(read.map(\.name), wholeRead.map(\.name), "\(label), batches of \(batchRows)")
            XCTAssertEqual(read.map(\.array), whole.map(\.array), "\(label), batches of \(batchRows)")
            XCTAssertEqual(
                try Data(contentsOf: url), try Data(contentsOf: expected), "\(label), batches of \(batchRows)")
        }
    }

    func testSeveralOutputsStreamToTheArchiveOnePredictWrites() throws {
        let service = Fixtures.root.appendingPathComponent("service")
        let model = try LoadedModel.load(contentsOf: service.appendingPathComponent("two_outputs.h5"))
        let inputs = service.appendingPathComponent("two_outputs_inputs.npy")
        try check(model, inputs: inputs, suffix: "npz", label: "two_outputs")
        let names = try TensorFiles.arrays(contentsOf: directory.appendingPathComponent("whole-two_outputs.npz"))
        XCTAssertEqual(names.map(\.name), ["scores", "pooled"])
        XCTAssertEqual(names.map(\.array.shape), [[37, 5], [37, 4]])
    }

    func testOneOutputStreamsToTheArrayOnePredictWrites() throws {
        let model = try LoadedModel.load(contentsOf: Fixtures.file("ds_cnn_kws", "akida_v2.json"))
        let inputs = try XCTUnwrap(try Fixtures.meta("ds_cnn_kws")["akida_input_file"] as? String)
        try check(model, inputs: Fixtures.file("ds_cnn_kws", inputs), suffix: "npy", label: "ds_cnn_kws")
    }

    func testSeveralOutputsNeedAnArchive() throws {
        XCTAssertThrowsError(
            try TensorFiles.RowWriter(creating: directory.appendingPathComponent("x.npy"), names: ["a", "b"], rows: 1)
        ) { error in
            XCTAssertEqual("\(error)", "the model has 2 outputs: write them to a .npz file")
        }
    }
}
