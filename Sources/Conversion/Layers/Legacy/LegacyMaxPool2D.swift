// LegacyMaxPool2D: a legacy MaxPooling2D becomes the max pooling of the neural layer before it.
import Quantization

struct LegacyMaxPool2DConverter: LegacyLayerConverter {
    func add(_ layer: QuantizedLayer, to conversion: inout LegacyConversion) throws {
        let pool = QuantizedKerasLayer(layer)
        let size = pool.pair("pool_size") ?? [2, 2]
        let stride = pool.pair("strides") ?? size
        conversion.pending?.params["pool_type"] = 1
        conversion.pending?.params["pooling_width"] = size[0]
        conversion.pending?.params["pooling_height"] = size[1]
        conversion.pending?.params["pooling_stride_x"] = stride[0]
        conversion.pending?.params["pooling_stride_y"] = stride[1]
    }
}
