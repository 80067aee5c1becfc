// Tests of the recurrent TENN float layer types (Kernelized, Stride, GlobalPooling1D,
// StatefulProjection, StatefulRecurrent, ExtractToken): shapes, errors naming the layer and tiny
// forwards checked against hand-computed values.
import Foundation
import KerasGraph
import Tensors
import XCTest

final class RecurrentTENNTests: XCTestCase {
    func testStrideKeepsEverySthStepFromSMinusOne() throws {
        XCTAssertEqual(try LayerTest.shape("Stride", #"{"stride": 4}"#, [[16, 3]]), [4, 3])
        let x = Tensor<Float>(shape: [1, 6, 1], scalars: (0..<6).map(Float.init))
        XCTAssertEqual(try LayerTest.run("Custom>Stride", #"{"stride": 2}"#, [x]).scalars, [1, 3, 5])
        XCTAssertTrue(LayerTest.error("Stride", #"{"stride": 2}"#, [[4, 4, 2]]).contains("(timesteps, channels)"))
    }

    func testGlobalAveragePooling1DAveragesTheTimesteps() throws {
        XCTAssertEqual(try LayerTest.shape("GlobalAveragePooling1D", "{}", [[8, 3]]), [3])
        XCTAssertEqual(try LayerTest.shape("GlobalAveragePooling1D", #"{"keepdims": true}"#, [[8, 3]]), [1, 3])
        let x = Tensor<Float>(shape: [1, 2, 2], scalars: [1, 10, 3, 20])
        XCTAssertEqual(try LayerTest.run("GlobalAveragePooling1D", "{}", [x]).scalars, [2, 15])
    }

    func testSpatialDropout1DIsTheIdentity() throws {
        let x = Tensor<Float>(shape: [1, 2, 2], scalars: [1, 2, 3, 4])
        XCTAssertEqual(try LayerTest.run("SpatialDropout1D", #"{"rate": 0.1}"#, [x]).scalars, x.scalars)
    }

    func testStatefulProjectionSubsamplesThenProjects() throws {
        let json = #"{"units": 1, "use_bias": false, "subsample": 2}"#
        XCTAssertEqual(try LayerTest.shape("StatefulProjection", json, [[4, 2]]), [2, 1])
        XCTAssertEqual(try LayerTest.registryShape("Custom>QuantizedStatefulProjection", json, [[4, 2]]), [2, 1])
        XCTAssertTrue(LayerTest.error("StatefulProjection", json, [[3, 2]]).contains("not a multiple"))
        let x = Tensor<Float>(shape: [1, 4, 2], scalars: [1, 1, 2, 2, 3, 3, 4, 4])
        let out = try LayerTest.run(
            "Custom>StatefulProjection", json, [x], weights: ["kernel": Tensor(shape: [2, 1], scalars: [1, 10])])
        XCTAssertEqual(out.shape, [1, 2, 1])
        XCTAssertEqual(out.scalars, [22, 44])
    }

    func testStatefulRecurrentRunsTheComplexRecurrenceFromZero() throws {
        XCTAssertEqual(try LayerTest.shape("StatefulRecurrent", "{}", [[5, 3]]), [5, 3, 2])
        // A = i: the state rotates by a quarter turn per step; input 1 then 0, 0.
        let x = Tensor<Float>(shape: [1, 3, 1], scalars: [1, 0, 0])
        let out = try LayerTest.run(
            "Custom>StatefulRecurrent", "{}", [x],
            weights: ["A_real": Tensor(shape: [1], scalars: [0]), "A_imag": Tensor(shape: [1], scalars: [1])])
        XCTAssertEqual(out.shape, [1, 3, 1, 2])
        XCTAssertEqual(out.scalars, [1, 0, 0, 1, -1, 0])
    }

    func testExtractTokenGathersOneIndex() throws {
        let json = #"{"token": 1, "axis": -1}"#
        XCTAssertEqual(try LayerTest.shape("ExtractToken", json, [[4, 3, 2]]), [4, 3])
        XCTAssertTrue(LayerTest.error("ExtractToken", #"{"token": 2, "axis": -1}"#, [[4, 2]]).contains("out of range"))
        let x = Tensor<Float>(shape: [1, 2, 2], scalars: [1, 2, 3, 4])
        XCTAssertEqual(try LayerTest.run("Custom>ExtractToken", json, [x]).scalars, [2, 4])
    }

    /// Kernelized is the causal convolution of its input with C·Re(Â^k)·B̂ (zero-order hold).
    func testKernelizedIsTheDiscretizedCausalConvolution() throws {
        let json = #"{"num_coeffs": 1, "out_channels": 1, "repeat": 1}"#
        XCTAssertEqual(try LayerTest.shape("Kernelized", json, [[6, 1]]), [6, 1])
        let (logAReal, aImag, b, c, logDt): (Float, Float, Float, Float, Float) = (-0.5, 0.7, 0.9, 1.3, -1.2)
        let x: [Float] = [1, -2, 0.5, 3]
        let out = try LayerTest.run(
            "Custom>Kernelized", json, [Tensor(shape: [1, 4, 1], scalars: x)],
            weights: [
                "A": Tensor(shape: [1, 2], scalars: [logAReal, aImag]), "B": Tensor(shape: [1, 1], scalars: [b]),
                "C": Tensor(shape: [1, 1], scalars: [c]), "log_dt": Tensor(shape: [1], scalars: [logDt]),
            ])
        let dt = exp(Double(logDt)), magnitude = exp(-exp(Double(logAReal)) * dt), angle = Double(aImag) * dt
        for l in 0..<4 {
            let want = (0...l).reduce(0.0) { sum, j in
                let k = Double(l - j)
                return sum + Double(c) * pow(magnitude, k) * cos(angle * k) * dt * Double(b) * Double(x[j])
            }
            XCTAssertEqual(Double(out.scalars[l]), want, accuracy: 1e-6)
        }
    }
}
