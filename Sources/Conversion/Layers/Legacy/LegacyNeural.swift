// LegacyNeural: a legacy QuantizedConv2D, QuantizedSeparableConv2D or QuantizedDense starts an
// Akida 1.0 neural layer (built once its activation, if any, is known). Separable convolutions
// are refused.
import AkidaModel
import Quantization

struct LegacyNeuralConverter: LegacyLayerConverter {
    let type: AkidaLayerType

    func add(_ layer: QuantizedLayer, to conversion: inout LegacyConversion) throws {
        let bits = Self.weightBits(layer)
        guard [2, 4, 8].contains(bits) else {
            throw LegacyConverter.error(
                layer.name, "legacy-weight-bits",
                "Weight bitwidth must be in (2, 4, 8). Receives bitwidth \(bits) in layer '\(layer.name)'.",
                fix: "quantize the weights with 2, 4 or 8 bits", type: "ValueError")
        }
        if type == .separableConvolutional {
            throw LegacyConverter.error(
                layer.name, "legacy-separable",
                "legacy separable convolutions are not supported by SpikeForge's converter",
                fix: "re-quantize the model with QuantizeML")
        }
        conversion.pending = LegacyConversion.Pending(
            neural: layer, type: type,
            params: type == .fullyConnected
                ? ["units": layer.config["units"]?.int ?? 0, "weights_bits": bits] : Self.convParams(layer))
    }

    /// Bitwidth of the legacy weight quantizer (the legacy quantizers' default 4 when absent).
    static func weightBits(_ layer: QuantizedLayer) -> Int {
        layer.config["quantizer"]?["config"]?["bitwidth"]?.int ?? 4
    }

    /// The Akida parameters of a convolution before its pooling and activation are known.
    static func convParams(_ layer: QuantizedLayer) -> [String: Int] {
        let q = QuantizedKerasLayer(layer)
        return [
            "act_bits": 1, "activation": 1, "filters": layer.config["filters"]?.int ?? 0,
            "kernel_height": q.kernelSize[1], "kernel_width": q.kernelSize[0], "padding": q.padding == "same" ? 1 : 0,
            "pool_type": 0, "pooling_height": -1, "pooling_stride_x": -1, "pooling_stride_y": -1, "pooling_width": -1,
            "stride_x": q.strides[0], "stride_y": q.strides[1], "weights_bits": weightBits(layer),
        ]
    }
}
