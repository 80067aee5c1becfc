// The float remainder of a partially quantized model, after its Dequantizer: a small float32
// interpreter for the standard Keras layers quantizeml leaves unquantized there (softmax
// heads, the rest of a model after a layer quantizeml cannot quantize).
import Foundation
import KerasGraph
import Tensors

/// Keras activation functions by name, in float32.
func applyActivation(_ name: String, _ t: Tensor<Float>, layer: String) throws -> Tensor<Float> {
    switch name {
    case "linear": return t
    case "relu": return t.map { max($0, 0) }
    case "relu6": return t.map { min(max($0, 0), 6) }
    case "sigmoid": return t.map { 1 / (1 + expf(-$0)) }
    case "tanh": return t.map { tanhf($0) }
    case "softmax": return softmax(t)
    default:
        throw QuantizedModelError.invalidModel(
            layer: layer, reason: "activation '\(name)' is not supported in the float tail")
    }
}

/// Softmax over the last axis.
func softmax(_ t: Tensor<Float>) -> Tensor<Float> {
    let c = t.shape.last ?? 1
    var out = t.scalars
    for start in stride(from: 0, to: out.count, by: max(c, 1)) {
        let row = start..<(start + c)
        let m = out[row].max() ?? 0
        var sum: Float = 0
        for i in row { out[i] = expf(out[i] - m); sum += out[i] }
        for i in row { out[i] /= sum }
    }
    return Tensor(shape: t.shape, scalars: out)
}

struct FloatLayerOp: LayerOp {
    let layer: QuantizedLayer
    let kernelD: [Double]
    let pointwiseD: [Double]

    init(_ layer: QuantizedLayer) throws {
        self.layer = layer
        let supported = [
            "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense", "ReLU", "Activation", "Softmax",
            "GlobalAveragePooling2D", "MaxPooling2D", "Flatten", "Reshape", "Dropout",
        ]
        guard supported.contains(layer.baseClassName) else {
            throw QuantizedModelError.unsupportedLayer(layer: layer.name, className: layer.className)
        }
        let kernel = layer.variable("kernel") ?? layer.variable("depthwise_kernel")
        kernelD = kernel?.scalars.map(Double.init) ?? []
        pointwiseD = layer.variable("pointwise_kernel")?.scalars.map(Double.init) ?? []
    }

    func forward(_ inputs: [QValue]) throws -> QValue {
        let r = LayerConfigReader(layer: layer)
        let x: Tensor<Float>
        switch inputs[0] {
        case .float(let t), .raw(let t, _): x = t
        case .quantized(let q): x = Tensor(shape: q.shape, scalars: q.dequantized())
        }
        var y: Tensor<Float>
        switch layer.baseClassName {
        case "Conv2D", "DepthwiseConv2D", "SeparableConv2D":
            try r.requireChannelsLast()
            guard x.rank == 4, let k = layer.variable("kernel") ?? layer.variable("depthwise_kernel"), k.rank == 4
            else {
                throw r.fail("expects a 4-D input and kernel")
            }
            let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            let s = try r.pair("strides"), d = (try? r.pair("dilation_rate")) ?? (1, 1), same = try r.padding()
            let rows = WindowAxis(input: h, kernel: k.shape[0], stride: s.0, dilation: d.0, same: same)
            let cols = WindowAxis(input: w, kernel: k.shape[1], stride: s.1, dilation: d.1, same: same)
            let depthwise = layer.baseClassName != "Conv2D"
            guard k.shape[2] == c, !depthwise || k.shape[3] == 1 else {
                throw r.fail("kernel \(k.shape) does not fit input \(x.shape)")
            }
            if depthwise {
                let a = depthwiseConv2d(x.scalars, n: n, h: h, w: w, c: c, kernel: kernelD, rows: rows, cols: cols)
                y = Tensor(shape: [n, rows.output, cols.output, c], scalars: a.map { Float($0) })
                if layer.baseClassName == "SeparableConv2D" {
                    guard let p = layer.variable("pointwise_kernel"), p.rank == 4, p.shape[2] == c else {
                        throw r.fail("pointwise kernel does not fit \(c) channels")
                    }
                    let b = matmul(y.scalars, rows: y.count / max(c, 1), k: c, kernel: pointwiseD, units: p.shape[3])
                    y = Tensor(shape: [n, rows.output, cols.output, p.shape[3]], scalars: b.map { Float($0) })
                }
            } else {
                let a = conv2d(
                    x.scalars, n: n, h: h, w: w, c: c, kernel: kernelD, filters: k.shape[3], rows: rows, cols: cols)
                y = Tensor(shape: [n, rows.output, cols.output, k.shape[3]], scalars: a.map { Float($0) })
            }
            y = try biasAndActivation(y, r)
        case "Dense":
            guard let k = layer.variable("kernel"), k.rank == 2, x.shape.last == k.shape[0] else {
                throw r.fail("kernel does not fit input \(x.shape)")
            }
            let a = matmul(
                x.scalars, rows: x.count / max(k.shape[0], 1), k: k.shape[0], kernel: kernelD, units: k.shape[1])
            y = Tensor(shape: Array(x.shape.dropLast()) + [k.shape[1]], scalars: a.map { Float($0) })
            y = try biasAndActivation(y, r)
        case "ReLU":
            let mv = layer.config["max_value"]?.double.map(Float.init)
            let slope = Float(layer.config["negative_slope"]?.double ?? 0),
                th = Float(layer.config["threshold"]?.double ?? 0)
            y = x.map { v in
                var o = v >= th ? v : slope * (v - th)
                if let mv { o = min(o, mv) }
                return o
            }
        case "Activation":
            y = try applyActivation(r.string("activation") ?? "linear", x, layer: layer.name)
        case "Softmax":
            if let axis = layer.config["axis"]?.int, axis != -1 && axis != x.rank - 1 {
                throw r.fail("softmax axis \(axis) is not supported")
            }
            y = softmax(x)
        case "GlobalAveragePooling2D":
            guard x.rank == 4 else { throw r.fail("expects a 4-D input") }
            let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            let sums = spatialSum(x.scalars, n: n, h: h, w: w, c: c)
            y = Tensor(
                shape: r.bool("keepdims", default: false) ? [n, 1, 1, c] : [n, c],
                scalars: sums.map { Float($0 / Double(h * w)) })
        case "MaxPooling2D":
            guard x.rank == 4 else { throw r.fail("expects a 4-D input") }
            let op = try MaxPoolOp(layer)
            let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            let rows = WindowAxis(input: h, kernel: op.pool.0, stride: op.strides.0, same: op.same)
            let cols = WindowAxis(input: w, kernel: op.pool.1, stride: op.strides.1, same: op.same)
            y = Tensor(
                shape: [n, rows.output, cols.output, c],
                scalars: maxPool2d(x.scalars, n: n, h: h, w: w, c: c, rows: rows, cols: cols))
        case "Flatten":
            y = x.reshaped([x.shape.first ?? 1, x.shape.dropFirst().reduce(1, *)])
        case "Reshape":
            y = x.reshaped(try ReshapeOp(layer).outputShape(x.shape))
        default:
            y = x
        }
        return .float(y)
    }

    func biasAndActivation(_ t: Tensor<Float>, _ r: LayerConfigReader) throws -> Tensor<Float> {
        var y = t
        if r.bool("use_bias", default: true), let b = layer.variable("bias") {
            let c = y.shape.last ?? 1
            guard b.count == c else { throw r.fail("bias of \(b.count) values for \(c) channels") }
            for i in y.scalars.indices { y.scalars[i] += b.scalars[i % c] }
        }
        return try applyActivation(r.string("activation") ?? "linear", y, layer: layer.name)
    }
}
