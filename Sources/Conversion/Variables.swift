// Variables: turning recorded integers into typed Akida variables — broadcasting, kernel flips,
// right shifts — and refusing any value that does not fit its Akida register instead of letting
// it wrap (the reference silently wraps 16-bit output scales into uint8).
import AkidaModel

/// Builds the variables of one Akida layer, naming the layer in every error.
struct VariableWriter {
    let layer: String

    func overflow(_ variable: String, _ value: Int64, _ dtype: AkidaDType, why: String = "") -> ConversionError {
        let range = dtype.integerRange
        return ConversionError(
            kind: .registerOverflow, layer: layer, rule: "register-range",
            message:
                "value \(value) of variable '\(variable)' does not fit its \(dtype.rawValue) register "
                + "[\(range.lowerBound), \(range.upperBound)]"
                + why,
            fix:
                "re-quantize with fewer bits for this layer's outputs (output_bits / last_output_bits below 16) or a "
                + "larger buffer, so that '\(variable)' stays in range",
            referenceType: "ValueError")
    }

    /// `source` broadcast (one value) or reshaped (same count) to `shape`; `fallback` fills it when absent.
    func broadcast(_ variable: String, _ source: [Int64]?, to shape: [Int], fallback: Int64) throws -> [Int64] {
        let count = shape.reduce(1, *)
        guard let source else { return Array(repeating: fallback, count: count) }
        if source.count == 1 { return Array(repeating: source[0], count: count) }
        guard source.count == count else {
            throw ConversionError(
                kind: .engine, layer: layer, rule: "variable-shape",
                message:
                    "cannot reshape array of size \(source.count) into shape "
                    + "\(pythonTuple(shape.map { Optional($0) })) for variable '\(variable)'",
                fix: "the quantized model's '\(variable)' does not match the Akida layer; re-quantize the model",
                referenceType: "ValueError")
        }
        return source
    }

    func ints(_ variable: String, _ dtype: AkidaDType, shape: [Int], _ values: [Int64]) throws -> AkidaVariable {
        let range = dtype.integerRange
        if let bad = values.first(where: { !range.contains($0) }) { throw overflow(variable, bad, dtype) }
        return try AkidaVariable(dtype: dtype, shape: shape, values: .integers(values.map { Int32($0) }))
    }

    func floats(_ variable: String, shape: [Int], _ values: [Float]) throws -> AkidaVariable {
        try AkidaVariable(dtype: .float32, shape: shape, values: .floats(values))
    }

    /// A variable from an optional recorded tensor, broadcast, with a default.
    func ints(
        _ variable: String, _ dtype: AkidaDType, shape: [Int], from source: IntTensor?, fallback: Int64
    ) throws -> AkidaVariable {
        try ints(variable, dtype, shape: shape, broadcast(variable, source?.values, to: shape, fallback: fallback))
    }
}

enum KernelOps {
    /// Flips both spatial axes of a (kh, kw, C, F) kernel: Akida convolutions are true convolutions.
    static func flipSpatial(_ w: IntTensor) -> IntTensor {
        guard w.shape.count == 4, w.values.count == w.shape.reduce(1, *) else { return w }
        let kh = w.shape[0], kw = w.shape[1], inner = w.shape[2] * w.shape[3]
        var out = w.values
        for i in 0..<kh {
            for j in 0..<kw {
                let src = ((kh - 1 - i) * kw + (kw - 1 - j)) * inner, dst = (i * kw + j) * inner
                for k in 0..<inner { out[dst + k] = w.values[src + k] }
            }
        }
        return IntTensor(shape: w.shape, values: out)
    }

    /// Arithmetic right shift of `values` by `shifts` (broadcast), as numpy's `>>`.
    static func shiftRight(_ values: [Int64], by shifts: [Int64]) -> [Int64] {
        values.enumerated().map { i, v in
            let s = shifts.count == 1 ? shifts[0] : (i < shifts.count ? shifts[i] : 0)
            return s >= 0 && s < 63 ? v >> s : v
        }
    }

    /// Akida 1.0 FullyConnected reads its input column-major: a (D0·D1·C, U) kernel that follows a
    /// Flatten of (D0, D1, C) is permuted to (C, D1, D0, U) order.
    static func columnMajorDense(_ w: IntTensor, d0: Int, d1: Int, c: Int) -> [Int64] {
        let units = w.shape.last ?? 1
        guard w.values.count == d0 * d1 * c * units else { return w.values }
        var out = [Int64](repeating: 0, count: w.values.count)
        for x in 0..<d0 {
            for y in 0..<d1 {
                for ch in 0..<c {
                    let src = ((x * d1 + y) * c + ch) * units, dst = ((ch * d1 + y) * d0 + x) * units
                    for u in 0..<units { out[dst + u] = w.values[src + u] }
                }
            }
        }
        return out
    }
}

/// A float known to hold an integer, or an error naming the layer when it is not finite (a
/// corrupt model variable).
func integral(_ x: Float, layer: String, what: String) throws -> Int64 {
    try integral(Double(x), layer: layer, what: what)
}

func integral(_ x: Double, layer: String, what: String) throws -> Int64 {
    guard x.isFinite, abs(x) < 9.2e18 else {
        throw ConversionError(
            kind: .invalidArgument, layer: layer, rule: "quantized-model",
            message: "\(what) of \(layer) is not a finite number (\(x))",
            fix: "the model's float variables are corrupt; re-quantize it", referenceType: "ValueError")
    }
    return Int64(x)
}

/// Python's `round` on numpy floats: half to even.
func roundHalfEven(_ x: Float) -> Float { x.rounded(.toNearestOrEven) }
