// QuantizedDense (reference §3.2, §7.6): per-unit weights RNE(W / S), S = max|W| / 127, an
// integer matmul on 27 value bits.
// The input is R = 4 → fb 5: x = [1, −0.5] is the payload [32, −16].
import KerasGraph
import Quantization
import Tensors
import XCTest

final class QuantizedDenseTests: XCTestCase {
    let quantConfig = #""quant_config": {"weight_quantizer": {"bitwidth": 8}, "buffer_bitwidth": 28}"#

    func testDense() throws {
        // Kernel (2, 1) [1, 0.25]: S = 1/127, Wq = [127, RNE(31.75) = 32]; 32·127 − 16·32 = 3552.
        let dense = LayerFixture.layer(
            "dense", "Custom>QuantizedDense",
            #"{"name": "dense", "units": 1, "activation": "linear", "use_bias": false, \#(quantConfig)}"#,
            variables: [("kernel", LayerFixture.t([2, 1], [1, 0.25]))])
        let y = try LayerFixture.output(LayerFixture.model([2], range: 4, [dense]), LayerFixture.t([1, 2], [1, -0.5]))
        XCTAssertEqual(y.values, [3552])
        XCTAssertEqual(y.shape, [1, 1])
        XCTAssertEqual(y.scales?.values, [LayerFixture.weightScale(1)])
    }
}
