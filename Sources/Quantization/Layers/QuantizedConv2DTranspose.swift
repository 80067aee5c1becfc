// QuantizedConv2DTranspose: quantizes Conv2DTranspose. Keras keeps its kernel as (kh, kw,
// filters, channels); the weight quantizer sees it transposed to (kh, kw, channels, filters) so
// that its scales are per filter. FixedPoint inputs only, a 28-bit accumulator.
import KerasGraph
import Tensors

enum QuantizedConv2DTranspose: QuantizedWeightLayerType {
    static let className = "QuantizedConv2DTranspose"
    static let floatClasses = ["Conv2DTranspose"]
    static let kind = WeightLayerOp.Kind.transpose
    static let kernelInputChannelsLast = true

    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        WeightLayerConfig.quantizedConfig(of: node, quantConfig: quantConfig) {
            WeightLayerConfig.completeSingleKernel(&$0, params: params)
        }
    }
}

extension WeightLayerOp {
    /// The integer kernel in the weight quantizer's layout (kh, kw, channels, filters).
    static func transposedWeights(_ r: LayerConfigReader, bits: Int, mode: ReferenceMode) throws -> QuantizedWeights {
        if let p = r.config["output_padding"], !p.isNull {
            throw r.fail("output_padding \(p) is not supported (only None)")
        }
        let k = try r.variable("kernel")
        guard k.shape.count == 4 else { throw r.fail("kernel of shape \(k.shape) does not fit the layer") }
        return quantizeWeights(swapLastAxes(k), bits: bits, axis: .last, mode: mode)
    }

    /// The accumulator of the (depthwise) transposed convolution, summed exactly over integer payloads.
    func transposeConvolve(_ x: QTensor) throws -> QTensor {
        let (n, h, w, c) = try nhwc(x.shape)
        guard weights.shape[2] == c else { throw shapeError(x.shape) }
        let depthwise = kind == .depthwiseTranspose
        let f = depthwise ? c : weights.shape[3]
        let mode: PaddingMode = same ? .same : .valid
        let rows = TransposedAxis(input: h, kernel: weights.shape[0], stride: strides.0, mode: mode)
        let cols = TransposedAxis(input: w, kernel: weights.shape[1], stride: strides.1, mode: mode)
        if let sums = kernel.transposed(
            x.values, n: n, h: h, w: w, c: c, f: f, rows: rows, cols: cols, depthwise: depthwise)
        {
            return QTensor(
                values: payload(sums, bits: bufferBits), shape: [n, rows.output, cols.output, f],
                valueBits: bufferBits, fracBits: x.fracBits, scales: try accumulatorScales(x))
        }
        let values = x.values.map(Double.init)
        let a: [Double]
        if depthwise {
            a = depthwiseConv2DTransposeScatter(
                values, n: n, c: c, kernel: weights.values.map(Double.init), rows: rows, cols: cols)
        } else {
            let keras = swapLastAxes(Tensor(shape: weights.shape, scalars: weights.values)).scalars
            a = conv2DTransposeScatter(
                values, n: n, c: c, kernel: keras.map(Double.init), filters: f, rows: rows, cols: cols)
        }
        return QTensor(
            values: payload(a.map { Float($0) }, bits: bufferBits), shape: [n, rows.output, cols.output, f],
            valueBits: bufferBits, fracBits: x.fracBits, scales: try accumulatorScales(x))
    }
}

/// (a, b, c, d) → (a, b, d, c).
func swapLastAxes(_ t: Tensor<Float>) -> Tensor<Float> {
    let (s0, s1, c, d) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
    var out = [Float](repeating: 0, count: t.scalars.count)
    for p in 0..<(s0 * s1) {
        for i in 0..<c {
            for j in 0..<d { out[(p * d + j) * c + i] = t.scalars[(p * c + i) * d + j] }
        }
    }
    return Tensor(shape: [s0, s1, d, c], scalars: out)
}
