// Broadcast: NumPy/TensorFlow broadcasting of element-wise binary operations — the output shape
// of two operand shapes and the float32 computation — shared by the merge layers that broadcast
// (Multiply) and by TFOpLambda's arithmetic.
import Tensors

/// The broadcast shape of `a` and `b` (aligned from the last axis; a dimension of 1 stretches),
/// or nil when they do not broadcast.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    let pa = [Int](repeating: 1, count: rank - a.count) + a
    let pb = [Int](repeating: 1, count: rank - b.count) + b
    var out: [Int] = []
    for (x, y) in zip(pa, pb) {
        guard x == y || x == 1 || y == 1 else { return nil }
        out.append(x == 1 ? y : x)
    }
    return out
}

/// `op(a, b)` element by element, with `a` and `b` broadcast to their common shape.
func broadcastBinary(_ a: Tensor<Float>, _ b: Tensor<Float>, _ op: (Float, Float) -> Float) throws -> Tensor<Float> {
    guard let shape = broadcastShape(a.shape, b.shape) else {
        throw TensorError.shapeMismatch("shapes \(a.shape) and \(b.shape) do not broadcast")
    }
    if a.shape == b.shape {
        var out = a
        out.scalars.withUnsafeMutableBufferPointer { o in
            b.scalars.withUnsafeBufferPointer { y in for i in 0..<o.count { o[i] = op(o[i], y[i]) } }
        }
        return out
    }
    let sa = stretchedStrides(a.shape, rank: shape.count), sb = stretchedStrides(b.shape, rank: shape.count)
    let count = shape.reduce(1, *)
    var out = [Float](repeating: 0, count: count)
    var index = [Int](repeating: 0, count: shape.count)
    var ia = 0, ib = 0
    for i in 0..<count {
        out[i] = op(a.scalars[ia], b.scalars[ib])
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            ia += sa[axis]
            ib += sb[axis]
            if index[axis] < shape[axis] { break }
            ia -= sa[axis] * shape[axis]
            ib -= sb[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
    return Tensor(shape: shape, scalars: out)
}

/// Strides of `shape` right-aligned to `rank` axes, 0 along the axes it is stretched over.
private func stretchedStrides(_ shape: [Int], rank: Int) -> [Int] {
    let padded = [Int](repeating: 1, count: rank - shape.count) + shape
    let s = strides(of: padded)
    return zip(padded, s).map { $0 == 1 ? 0 : $1 }
}
