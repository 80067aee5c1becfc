// Sequence1D: the checks and index arithmetic the 1-D sequence layers (recurrent TENNs) share:
// inputs shaped (timesteps, channels) and the timestep subsampling `x[:, (s - 1)::s, :]` that
// akida_models' `Stride` and QuantizeML's `StatefulProjection` apply.
import Tensors

extension ShapeInputs {
    /// The first input as (timesteps, channels).
    public func sequence(_ what: String) throws -> (timesteps: Int, channels: Int) {
        guard first.count == 2 else {
            throw error("\(what) expects (timesteps, channels) inputs, got \(shapeText(first))")
        }
        return (first[0], first[1])
    }
}

public enum Sequence1D {
    /// Timesteps kept by a subsampling of `factor` (the indices factor-1, 2·factor-1, ...).
    public static func subsampledLength(_ timesteps: Int, factor: Int) -> Int { timesteps / factor }

    /// `x[:, (factor - 1)::factor, ...]` over axis 1 of a batch (N, T, ...).
    public static func subsample<T>(_ x: Tensor<T>, factor: Int) -> Tensor<T> {
        guard factor > 1, x.rank >= 2 else { return x }
        let (n, t) = (x.shape[0], x.shape[1])
        let inner = x.shape.dropFirst(2).reduce(1, *)
        let kept = subsampledLength(t, factor: factor)
        var out: [T] = []
        out.reserveCapacity(n * kept * inner)
        for b in 0..<n {
            for step in stride(from: factor - 1, to: t, by: factor) {
                let start = (b * t + step) * inner
                out.append(contentsOf: x.scalars[start..<(start + inner)])
            }
        }
        return Tensor(shape: [n, kept] + x.shape.dropFirst(2), scalars: out)
    }
}
