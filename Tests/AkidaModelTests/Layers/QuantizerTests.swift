// Quantizer (reference 7.4): half-away-from-zero rounding, zero points and saturation per channel.
import AkidaModel
import Tensors
import XCTest

final class QuantizerTests: XCTestCase {
    private func quantizer(bits: Int = 8, signed: Bool, scales: [Float], zeroPoints: [Int32]) throws -> AkidaLayer {
        let c = scales.count
        return AkidaLayer(
            name: "q", type: .quantizer,
            parameters: [
                "channels_first": 0, "input_channels": c, "input_height": 1, "input_width": 1, "output_bits": bits,
                "output_signed": signed ? 1 : 0,
            ],
            variables: ["scales": try floats([c], scales), "zero_points": try ints(.uint8, [c], zeroPoints)],
            inbounds: [], inputShapes: [[1, 1, c]], outputShape: [1, 1, c])
    }

    private func run(_ layer: AkidaLayer, _ x: [Float]) throws -> [Int32] {
        let sim = try AkidaSimulator(model: model([layer]))
        let c = layer.outputShape[2]
        return try sim.forward(NDArray(Tensor(shape: [x.count / c, 1, 1, c], scalars: x))).integers
    }

    func testSignedRoundsHalfAwayFromZeroAndSaturates() throws {
        let q = try quantizer(signed: true, scales: [1], zeroPoints: [0])
        XCTAssertEqual(try run(q, [-2.5, -0.5, 0.49999, 2.5, 127.6, -129]), [-3, -1, 0, 3, 127, -128])
    }

    func testPerChannelScalesAndZeroPoints() throws {
        let q = try quantizer(signed: false, scales: [1, 2, 4], zeroPoints: [0, 5, 10])
        XCTAssertEqual(try run(q, [1.25, 1.25, 1.25, -1, -1, -1]), [1, 8, 15, 0, 3, 6])
    }

    func testSummaryRowAndBitsValidation() throws {
        let q = try quantizer(bits: 6, signed: true, scales: [1], zeroPoints: [0])
        XCTAssertEqual(AkidaLayerType.quantizer.definition.summaryRow(q).type, "Quantizer")
        XCTAssertEqual(compileError(try model([q])), "layer 'q': Quantizer output_bits must be 4 or 8, got 6")
    }
}
