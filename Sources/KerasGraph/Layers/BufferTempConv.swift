// BufferTempConv and DepthwiseBufferTempConv (quantizeml): the streaming form of a causal temporal
// convolution. Each call pushes its input into a FIFO of the last `kernel_size` inputs (one FIFO per
// sample of the batch) and convolves it with a (1, 1, kernel_size·C, filters) kernel, or
// multiplies it by a (kernel_size, C) depthwise kernel, the newest slot last. As in Keras, the FIFO
// belongs to the loaded model: it starts empty, and each call (a calibration batch, a predict) is
// the next time step of the same streams, so the batch size must stay the same. Their quantized
// variants share config and shape.
import Foundation
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
        return [WeightSlot(name: "kernel", shape: kernel)]
            + (useBias ? [WeightSlot(name: "bias", shape: [filters ?? c])] : [])
    }

    public func forward(
        _ inputs: ShapeInputs, outputShape: [Int], weights: [String: Tensor<Float>]
    ) throws
        -> FloatForward
    {
        let (slots, c, f) = (kernelSize, inputs.first[2], filters ?? inputs.first[2])
        let kernel = weights["kernel"]?.scalars ?? []
        guard kernel.count == slots * c * (depthwise ? 1 : f) else {
            throw inputs.error("kernel of \(kernel.count) values does not fit \(slots) slots of \(c) channels")
        }
        let bias = weights["bias"]?.scalars
        let (depthwise, layer) = (self.depthwise, inputs.layer)
        let fifo = FIFOState()
        return { x in
            let input = x.removeLast()
            let positions = input.count / max(c, 1)
            let window = try fifo.push(
                input.scalars, streams: input.shape[0], slots: slots, channels: c, layer: layer)
            var y = [Float](repeating: 0, count: positions * f)
            for p in 0..<positions {
                for t in 0..<slots {
                    let base = (p * slots + t) * c
                    for ch in 0..<c {
                        let v = window[base + ch]
                        if v == 0 { continue }
                        if depthwise {
                            y[p * f + ch] += v * kernel[t * c + ch]
                        } else {
                            let row = (t * c + ch) * f
                            for o in 0..<f { y[p * f + o] += v * kernel[row + o] }
                        }
                    }
                }
                if let bias { for o in 0..<f { y[p * f + o] += bias[o] } }
            }
            return Tensor(shape: Array(input.shape.dropLast()) + [f], scalars: y)
        }
    }
}

/// The FIFO of one layer of one loaded model: (N, H, W, slots, C), zeros until the first call.
private final class FIFOState: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Float] = []
    private var streams = 0

    /// Drops the oldest slot, appends `sample` (N·H·W positions of `channels`) as the newest and
    /// returns the FIFO, (N·H·W, slots, channels).
    func push(_ sample: [Float], streams n: Int, slots: Int, channels: Int, layer: String) throws -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if values.isEmpty {
            values = [Float](repeating: 0, count: sample.count * slots)
            streams = n
        }
        guard n == streams, values.count == sample.count * slots else {
            throw LayerError.invalidInput(
                layer: layer, className: "BufferTempConv",
                reason: "its FIFO holds \(streams) streams (the first batch's size), got a batch of \(n); "
                    + "keep the batch size, or load the model again to start over")
        }
        let positions = sample.count / max(channels, 1)
        for p in 0..<positions {
            let base = p * slots * channels
            for i in 0..<((slots - 1) * channels) { values[base + i] = values[base + channels + i] }
            for ch in 0..<channels { values[base + (slots - 1) * channels + ch] = sample[p * channels + ch] }
        }
        return values
    }
}

extension FloatModel {
    /// true when a layer keeps a FIFO from one call to the next (a streaming TENN).
    public var hasTemporalState: Bool { layers.contains { $0.spec.layer is BufferTempConvLayer } }
}
