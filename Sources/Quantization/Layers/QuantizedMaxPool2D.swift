// QuantizedMaxPool2D (reference §7.10): max over windows of the integer payload, frac bits and
// scales unchanged; no quant_config, so no OutputQuantizer.
import KerasGraph

enum QuantizedMaxPool2D: QuantizedLayerType {
    static let className = "QuantizedMaxPool2D"
    static let floatClasses = ["MaxPooling2D", "MaxPool2D"]
    static let holdsOutputQuantizer = false
    static let equalization = EqualizationRole.passes

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        .object(kept(node.config, ["pool_size", "padding", "strides", "data_format"]))
    }

    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp { try MaxPoolOp(layer) }
}

struct MaxPoolOp: LayerOp {
    let name: String
    let pool: (Int, Int)
    let strides: (Int, Int)
    let same: Bool

    init(_ layer: QuantizedLayer) throws {
        let r = LayerConfigReader(layer: layer)
        name = layer.name
        try r.requireChannelsLast()
        pool = try r.pair("pool_size")
        strides = layer.config["strides"].map { $0.isNull } == false ? try r.pair("strides") : pool
        same = try r.padding()
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        var x = try adaptInput(inputs[0], layer: name, bits: nil, expand: false)
        guard x.shape.count == 4 else { throw QuantizedModelError.invalidInput("layer '\(name)' expects a 4-D input") }
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let rows = WindowAxis(input: h, kernel: pool.0, stride: strides.0, same: same)
        let cols = WindowAxis(input: w, kernel: pool.1, stride: strides.1, same: same)
        x.values = maxPool2d(x.values, n: n, h: h, w: w, c: c, rows: rows, cols: cols)
        x.shape = [n, rows.output, cols.output, c]
        return .quantized(x)
    }
}
