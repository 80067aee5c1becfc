// QuantizationParams validation and JSON form, and the calibration mechanics (batching,
// moving maximum with its 1.0 sentinel, ideal ranges) on the reference's documented examples.
import KerasGraph
import Quantization
import Tensors
import XCTest

final class ParamsAndCalibrationTests: XCTestCase {
    func testParamsDefaultsAndRepr() throws {
        let p = QuantizationParams.default
        XCTAssertEqual(
            p.description,
            "QuantizationParams(activation_bits=8, per_tensor_activations=False, weight_bits=8, "
                + "output_bits=8, input_weight_bits=8, input_dtype=uint8, buffer_bits=32, last_output_bits=None)")
        XCTAssertEqual(try QuantizationParams(json: .object([])), p)
    }

    func testParamsJSONRoundTrip() throws {
        let text =
            #"""
            {"input_weight_bits": 16, "weight_bits": 4, "activation_bits": 6, "output_bits": 12,
            "per_tensor_activations": true, "buffer_bits": 24, "input_dtype": "int8"}
            """#
        let p = try QuantizationParams(json: JSONValue(parsing: text))
        XCTAssertEqual(
            p.description,
            "QuantizationParams(activation_bits=6, per_tensor_activations=True, weight_bits=4, "
                + "output_bits=12, input_weight_bits=16, input_dtype=int8, buffer_bits=24, last_output_bits=None)")
        XCTAssertEqual(try QuantizationParams(json: p.json), p)
    }

    func testParamsValidation() throws {
        XCTAssertThrowsError(try QuantizationParams(inputDType: "float32")) { error in
            XCTAssertEqual("\(error)", "Unsupported float32 input dtype: it should be a integer subdtype.")
        }
        XCTAssertThrowsError(try QuantizationParams(json: JSONValue(parsing: #"{"weight_bit": 4}"#))) { error in
            XCTAssertTrue("\(error)".contains("weight_bit"))
        }
        XCTAssertThrowsError(try QuantizationParams(json: JSONValue(parsing: #"{"weight_bits": "four"}"#))) { error in
            XCTAssertTrue("\(error)".contains("weight_bits must be an integer"))
        }
        XCTAssertThrowsError(try QuantizationParams(inputDType: "nonsense"))
        XCTAssertEqual(try QuantizationParams(inputDType: "uint16").inputDType, .uint16)
    }

    func testBatchesFollowKerasPredict() throws {
        // Reference §6.2 verified configurations.
        XCTAssertEqual(
            try Calibrator.batches(sampleCount: 10, numSamples: 1024, batchSize: nil).map(\.count),
            Array(repeating: 1, count: 10))
        XCTAssertEqual(try Calibrator.batches(sampleCount: 10, numSamples: 10, batchSize: 4).map(\.count), [4, 4, 2])
        XCTAssertEqual(
            try Calibrator.batches(sampleCount: 10, numSamples: 5, batchSize: nil).map(\.count), [2, 2, 2, 2, 2])
        XCTAssertEqual(try Calibrator.batches(sampleCount: 10, numSamples: 6, batchSize: 3).map(\.count), [3, 3])
        XCTAssertEqual(try Calibrator.batches(sampleCount: 16, numSamples: 1024, batchSize: 4).count, 4)
        XCTAssertThrowsError(try Calibrator.batches(sampleCount: 10, numSamples: 10, batchSize: 0))
    }

    func testMovingMaximumAndSentinel() {
        // Reference §6.3: batch maxima 1.0, 0.5, 2.0 give 1.0 → 0.5 → 0.65; 4.0, 0.5, 2.0 give 4.0 → 3.65 → 3.485.
        var a = Observer(channels: 1)
        for m: Float in [1.0, 0.5, 2.0] { a.update([m]) }
        XCTAssertEqual(a.values[0], 0.65, accuracy: 1e-6)
        var b = Observer(channels: 1)
        for m: Float in [4.0, 0.5, 2.0] { b.update([m]) }
        XCTAssertEqual(b.values[0], 3.485, accuracy: 1e-6)
        // Per-axis InputObserver example: minima [0.5, −3] then [0.5, −1] → [0.5, −2.8];
        // maxima [2, 5] then [3, 5] → [2.1, 5.0].
        var mn = Observer(channels: 2), mx = Observer(channels: 2)
        mn.update([0.5, -3]); mx.update([2, 5])
        mn.update([0.5, -1]); mx.update([3, 5])
        XCTAssertEqual(mn.values[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(mn.values[1], -2.8, accuracy: 1e-6)
        XCTAssertEqual(mx.values[0], 2.1, accuracy: 1e-6)
        XCTAssertEqual(mx.values[1], 5.0, accuracy: 1e-6)
    }

    func testReductions() {
        let x = Tensor<Float>(shape: [2, 1, 1, 2], scalars: [1, -4, -3, 2])
        XCTAssertEqual(Calibrator.reduce(x, perAxis: true), [3, 4])
        XCTAssertEqual(Calibrator.reduce(x, perAxis: false), [4])
    }

    func testIdealRanges() {
        // Reference §6.4: observer r = [15.2396, 0.50598, 2.6606, 0] with an 8-bit OQ →
        // range_max = [7.96875, 0.49804688, 1.9921875, 0].
        let r: [Float] = [15.2396, 0.50598, 2.6606, 0]
        XCTAssertEqual(r.map { Calibrator.idealRange($0, bitwidth: 8) }, [7.96875, 0.49804688, 1.9921875, 0])
    }

    func testRandomSamplesCoverTheDtypeRange() throws {
        let s = try Calibrator.randomSamples(count: 512, shape: [4], dtype: .uint8, seed: 1)
        XCTAssertEqual(s.shape, [512, 4])
        let v = s.doubles()
        XCTAssertEqual(v.min(), 0)
        XCTAssertEqual(v.max(), 255)
        let signed = try Calibrator.randomSamples(count: 512, shape: [4], dtype: .int8, seed: 1).doubles()
        XCTAssertEqual(signed.min(), -128)
        XCTAssertEqual(signed.max(), 127)
    }
}
