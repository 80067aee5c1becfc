// The bit-exactness checks of a corpus case against akida's recorded outputs, shared by the
// simulator tests and the per-kernel-path tests.
import AkidaFormats
import AkidaModel
import NumPyIO
import Tensors
import XCTest

enum CorpusChecks {
    /// predict equals akida_v*_out.npy and forward equals akida_v*_forward.npy exactly.
    static func predictAndForward(_ c: AkidaCase, _ context: String = "") throws {
        let sim = try AkidaSimulator(model: c.model())
        let inputs = try c.inputs()
        let forward = try sim.forward(inputs)
        let predicted = try sim.predict(fromForward: forward)
        let expected = try NPY.read(contentsOf: c.file("_out.npy"))
        let label = c.label + context
        XCTAssertEqual(predicted.ndarray().shape, expected.shape, label)
        let got = predicted.floats, want = expected.floats().scalars
        let diff = zip(got, want).filter { $0 != $1 }.count
        XCTAssertEqual(diff, 0, "\(label): \(diff) of \(want.count) predict values differ")
        if let fw = try c.optionalArray("_forward.npy") {
            XCTAssertEqual(forward.ndarray(), fw, "\(label): forward differs")
        }
    }

    /// Every layer's output equals the akida_v*_layers.npz entry (first samples of the inputs).
    static func everyLayer(_ c: AkidaCase, _ context: String = "") throws {
        let label = c.label + context
        let expected = try NPZ.read(contentsOf: c.file("_layers.npz"))
        let samples = try XCTUnwrap(expected.first?.array.shape.first, label)
        let inputs = try c.inputs()
        let rowBytes = inputs.bytes.count / inputs.shape[0]
        let head = try NDArray(
            dtype: inputs.dtype, shape: [samples] + inputs.shape.dropFirst(),
            bytes: Array(inputs.bytes[0..<samples * rowBytes]))
        let run = try AkidaSimulator(model: c.model()).forwardAllLayers(head)
        XCTAssertEqual(run.layerOutputs.map(\.name), expected.map { $0.name }, label)
        for (name, tensor) in run.layerOutputs {
            guard let want = expected.first(where: { $0.name == name })?.array else { continue }
            let got = tensor.ndarray()
            if got != want {
                let a = try got.integersOrFloats(), b = try want.integersOrFloats()
                let diff = zip(a, b).filter { $0 != $1 }.count
                XCTFail(
                    "\(label) layer \(name): \(got.dtype)\(got.shape) vs \(want.dtype)\(want.shape), "
                        + "\(diff) values differ")
            }
        }
    }
}
