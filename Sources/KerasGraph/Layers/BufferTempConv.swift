// BufferTempConv and DepthwiseBufferTempConv (quantizeml): the streaming form of a causal temporal
// convolution. Each call pushes its input into a FIFO of the last `kernel_size` inputs (one FIFO per
// sample of the batch) and convolves it with a (1, 1, kernel_size·C, filters) kernel, or
// multiplies it by a (kernel_size, C) depthwise kernel, the newest slot last. The float engine runs
// a batch as the first time step of independent streams, as a freshly loaded Keras model does: the
// older slots are empty, so only the newest slot's kernel rows contribute. Their quantized
// variants share config and shape.
import Tensors

public struct BufferTempConvLayer: KerasLayerType {
    public static let kerasClassNames = ["BufferTempConv", "DepthwiseBufferTempConv"]
    public static let quantizedClassNames = ["QuantizedBufferTempConv", "QuantizedDepthwiseBufferTempConv"]

    public let depthwise: Bool
    /// FIFO length (the temporal kernel size).
    public let kernelSize: Int
    /// nil for the depthwise layer (as many outputs as input channels).
    public let filters: Int?
    public let useBias: Bool

    public init(className: String, config reader: ConfigReader) throws {
        depthwise = className.contains("Depthwise")
        kernelSize = try reader.positiveInt("kernel_size")
        filters = depthwise ? nil : try reader.positiveInt("filters")
        useBias = reader.bool("use_bias", default: false)
    }

    public func outputShape(_ inputs: ShapeInputs) throws -> [Int] {
        let (h, w, c) = try inputs.image(depthwise ? "DepthwiseBufferTempConv" : "BufferTempConv")
        return [h, w, filters ?? c]
    }

    public func weightSlots(_ inputs: [[Int]]) -> [WeightSlot] {
        let c = inputs.first?.last ?? 0
        let kernel = depthwise ? [kernelSize, c] : [1, 1, kernelSize * c, filters ?? c]
        return [WeightSlot(name: "kernel", shape: kernel)] + (useBias ? [WeightSlot(name: "bias", shape: [filters ?? c])] : [])
    }

    public func forward(_ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]) throws
        -> FloatForward
    {
        let c = inputs.first[2], f = filters ?? c
        let kernel = weights["kernel"]?.scalars ?? []
        guard kernel.count == kernelSize * c * (depthwise ? 1 : f) else {
            throw inputs.error("kernel of \(kernel.count) values does not fit \(kernelSize) slots of \(c) channels")
        }
        // The newest slot's rows: (C, F), or (C,) for the depthwise kernel.
        let newest = Array(kernel[((kernelSize - 1) * c * (depthwise ? 1 : f))...])
        let bias = weights["bias"]?.scalars
        if depthwise {
            return { x in
                var y = x.removeLast()
                for i in y.scalars.indices {
                    y.scalars[i] = y.scalars[i] * newest[i % c] + (bias?[i % c] ?? 0)
                }
                return y
            }
        }
        let rows = Tensor(shape: [c, f], scalars: newest)
        return { x in try Kernels.dense(x[0], kernel: rows, bias: bias) }
    }
}
