// Simulator against akida on every corpus model: predict equals akida_v*_out.npy and forward
// equals akida_v*_forward.npy exactly; input validation errors.
import AkidaFormats
import AkidaModel
import NumPyIO
import Tensors
import XCTest

final class SimulatorTests: XCTestCase {
    func testPredictAndForwardEqualAkida() throws {
        for c in try AkidaCase.all() {
            let sim = try AkidaSimulator(model: c.model())
            let inputs = try c.inputs()
            let forward = try sim.forward(inputs)
            let predicted = try sim.predict(fromForward: forward)
            let expected = try NPY.read(contentsOf: c.file("_out.npy"))
            XCTAssertEqual(predicted.ndarray().shape, expected.shape, c.label)
            let got = predicted.floats, want = expected.floats().scalars
            let diff = zip(got, want).filter { $0 != $1 }.count
            XCTAssertEqual(diff, 0, "\(c.label): \(diff) of \(want.count) predict values differ")
            if let fw = try c.optionalArray("_forward.npy") {
                XCTAssertEqual(forward.ndarray(), fw, "\(c.label): forward differs")
            }
        }
    }
}

final class LayerOutputTests: XCTestCase {
    /// Every layer's output equals the akida_v*_layers.npz entry (first samples of the inputs).
    func testEveryLayerEqualsAkida() throws {
        for c in try AkidaCase.all() {
            let expected = try NPZ.read(contentsOf: c.file("_layers.npz"))
            let samples = try XCTUnwrap(expected.first?.array.shape.first, c.label)
            let inputs = try c.inputs()
            let rowBytes = inputs.bytes.count / inputs.shape[0]
            let head = try NDArray(dtype: inputs.dtype, shape: [samples] + inputs.shape.dropFirst(),
                                   bytes: Array(inputs.bytes[0..<samples * rowBytes]))
            let run = try AkidaSimulator(model: c.model()).forwardAllLayers(head)
            XCTAssertEqual(run.layerOutputs.map(\.name), expected.map { $0.name }, c.label)
            for (name, tensor) in run.layerOutputs {
                guard let want = expected.first(where: { $0.name == name })?.array else { continue }
                let got = tensor.ndarray()
                if got != want {
                    let a = try got.integersOrFloats(), b = try want.integersOrFloats()
                    let diff = zip(a, b).filter { $0 != $1 }.count
                    XCTFail("\(c.label) layer \(name): \(got.dtype)\(got.shape) vs \(want.dtype)\(want.shape), \(diff) values differ")
                }
            }
        }
    }
}

extension NDArray {
    func integersOrFloats() throws -> [Double] { doubles() }
}
