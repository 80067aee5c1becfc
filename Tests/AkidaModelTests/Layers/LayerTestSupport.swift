// Builders for the per-layer-type tests: tiny hand-written models run through the public
// simulator, with expected integers computed by hand from the reference.
import AkidaModel
import Tensors
import XCTest

func ints(_ dtype: AkidaDType, _ shape: [Int], _ values: [Int32]) throws -> AkidaVariable {
    try AkidaVariable(dtype: dtype, shape: shape, values: .integers(values))
}

func floats(_ shape: [Int], _ values: [Float]) throws -> AkidaVariable {
    try AkidaVariable(dtype: .float32, shape: shape, values: .floats(values))
}

/// An InputData layer named "input" of `bits` bits (signed from 5 bits on).
func inputData(_ shape: [Int], bits: Int = 8) -> AkidaLayer {
    AkidaLayer(
        name: "input", type: .inputData,
        parameters: [
            "input_bits": bits, "input_channels": shape[2], "input_height": shape[1],
            "input_signed": AkidaLayer.isSignedInput(bits: bits) ? 1 : 0, "input_width": shape[0],
        ],
        variables: [:], inbounds: [], inputShapes: [shape], outputShape: shape)
}

/// A model of `layers`, input shape from the first, output shape from the last.
func model(_ layers: [AkidaLayer], _ version: AkidaIPVersion = .v2) throws -> AkidaModel {
    try AkidaModel(
        ipVersion: version, layers: layers, inputShape: layers[0].inputShapes[0],
        outputShape: layers[layers.count - 1].outputShape)
}

/// One sample per row of `samples`, each of `shape`, as an int8 or uint8 batch.
func batch(_ samples: [[Int32]], shape: [Int], dtype: DType = .int8) -> NDArray {
    NDArray(Tensor(shape: [samples.count] + shape, scalars: samples.flatMap { $0 }), dtype: dtype)
}

/// The error text of building a simulator for `model`, or nil when it builds.
func compileError(_ model: AkidaModel) -> String? {
    do {
        _ = try AkidaSimulator(model: model)
        return nil
    } catch {
        return "\(error)"
    }
}

/// Akida 2.0 neural parameters with the defaults of reference 7.10 (no ReLU, no pooling).
func v2Parameters(_ extra: [String: Int]) -> [String: Int] {
    var p = [
        "activation": 0, "buffer_bits": 32, "output_bits": 8, "padding": 0, "pool_size": -1, "pool_stride": -1,
        "pool_type": 0, "post_op_buffer_bits": 32, "weights_bits": 8,
    ]
    p.merge(extra) { $1 }
    return p
}

/// Akida 1.0 convolution parameters (1×1 kernel, stride 1, valid, no pooling).
func v1Parameters(_ extra: [String: Int]) -> [String: Int] {
    var p = [
        "act_bits": 4, "activation": 1, "filters": 1, "kernel_height": 1, "kernel_width": 1, "padding": 0,
        "pool_type": 0, "pooling_height": -1, "pooling_stride_x": -1, "pooling_stride_y": -1, "pooling_width": -1,
        "stride_x": 1, "stride_y": 1, "weights_bits": 8,
    ]
    p.merge(extra) { $1 }
    return p
}

/// The values 0...15 as one 4-bit v1 input of shape [1, 16, 1] (uint8).
let ramp16 = batch([(0..<16).map { Int32($0) }], shape: [1, 16, 1], dtype: .uint8)
