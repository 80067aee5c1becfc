// Tests of the Normalization layer type: its variables (count included), the tf_keras formula
// with the 1e-7 floor on the standard deviation, refusals naming the layer.
import KerasGraph
import Tensors
import XCTest

final class NormalizationTests: XCTestCase {
    func testVariables() throws {
        let spec = try LayerSpec(node: try LayerTest.node("Normalization", #"{"axis": -1}"#))
        XCTAssertEqual(spec.weightSlots([[4, 4, 3]]).map(\.name), ["mean", "variance", "count"])
        XCTAssertEqual(spec.weightSlots([[4, 4, 3]]).map(\.shape), [[3], [3], []])
    }

    func testForward() throws {
        let x = Tensor<Float>(shape: [1, 1, 2], scalars: [3, 5])
        let got = try LayerTest.run(
            "Normalization", #"{"axis": -1}"#, [x],
            weights: [
                "mean": Tensor(shape: [2], scalars: [1, 5]), "variance": Tensor(shape: [2], scalars: [4, 0]),
                "count": Tensor(shape: [], scalars: [8]),
            ])
        XCTAssertEqual(got.scalars, [1, 0])
    }

    func testRefusalsNameTheLayer() {
        let text = LayerTest.error("Normalization", #"{"axis": -1, "invert": true}"#)
        XCTAssertTrue(text.contains("'odd_layer'") && text.contains("invert"), text)
    }
}
