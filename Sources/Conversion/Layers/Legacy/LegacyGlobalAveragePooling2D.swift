// LegacyGlobalAveragePooling2D: a legacy GlobalAveragePooling2D becomes the global average pooling
// of the neural layer before it, whose thresholds and act steps scale by the pooled area.
import Quantization

struct LegacyGlobalAveragePooling2DConverter: LegacyLayerConverter {
    func add(_ layer: QuantizedLayer, to conversion: inout LegacyConversion) throws {
        conversion.pending?.params["pool_type"] = 2
        conversion.pending?.gap = layer
    }
}
