// AveragePooling2D: a float class QuantizeML 1.2.5 has no quantized layer for. Quantization
// stops before it — a Dequantizer, then it and every layer after it stay float (the float
// tail) — and conversion stops at that Dequantizer. In a quantized model it runs as float.
import KerasGraph

enum AveragePooling2D: QuantizedLayerType {
    static let className = "AveragePooling2D"
    static let floatClasses = ["AveragePooling2D", "AvgPool2D"]
    static let holdsOutputQuantizer = false
    static let notQuantizable: String? =
        "QuantizeML 1.2.5 has no quantized AveragePooling2D; quantization stops before it (a Dequantizer, "
        + "then float layers) and conversion stops at that Dequantizer"

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { try FloatLayerOp(layer) }
}
