// Tensors: the n-dimensional arrays every other module exchanges.
// `Tensor<Scalar>` is a dense, row-major (C order) array; image tensors are NHWC.
// `NDArray` is the untyped form used at the edges (files, HTTP) where the dtype is only
// known at run time.

/// A dense row-major tensor of `Scalar`.
public struct Tensor<Scalar>: CustomStringConvertible {
    public var shape: [Int]
    public var scalars: [Scalar]

    public init(shape: [Int], scalars: [Scalar]) {
        precondition(
            shape.reduce(1, *) == scalars.count,
            "Tensor: shape \(shape) does not hold \(scalars.count) scalars")
        self.shape = shape
        self.scalars = scalars
    }

    public init(shape: [Int], repeating value: Scalar) {
        self.shape = shape
        self.scalars = Array(repeating: value, count: shape.reduce(1, *))
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// Row-major strides, in elements.
    public var strides: [Int] { Tensors.strides(of: shape) }

    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    public func map<T>(_ transform: (Scalar) throws -> T) rethrows -> Tensor<T> {
        Tensor<T>(shape: shape, scalars: try scalars.map(transform))
    }

    public var description: String { "Tensor<\(Scalar.self)>\(shape)" }
}

extension Tensor: Equatable where Scalar: Equatable {}
extension Tensor: Sendable where Scalar: Sendable {}

/// Row-major strides of `shape`, in elements.
public func strides(of shape: [Int]) -> [Int] {
    var result = Array(repeating: 1, count: shape.count)
    var step = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        result[axis] = step
        step *= shape[axis]
    }
    return result
}
