// QuantizedEngine: runs a QuantizedModel on a batch with QuantizeML's integer semantics and
// returns the dequantized outputs (plus the float tail after a Dequantizer). Every layer is
// parsed once at construction — integer weights included — so a model is validated before
// it is run and repeated predictions pay only for the arithmetic.
import Foundation
import KerasGraph
import Tensors

public struct QuantizedEngine {
    public let model: QuantizedModel
    let ops: [LayerOp]
    /// Per layer, the positions of its inputs in `model.layers`.
    let inputIndices: [[Int]]
    /// Last layer position reading each layer (to free intermediate tensors early).
    let lastUse: [Int]
    let inputIndex: Int
    let inputDType: DType
    let inputShape: [Int?]
    /// Samples per chunk of `predict`, once known.
    let chunkSize = ChunkSize()

    /// - Parameter mode: which reference evaluation to reproduce bit for bit (`.eager` for an eager
    ///   `model(x)` call, whose per-layer values quant_layers.npz holds). By default, what a user's
    ///   run gives: `model.predict`, or an eager call for a stateful model, which Keras cannot
    ///   trace for `predict`.
    public init(model: QuantizedModel, mode: ReferenceMode? = nil) throws {
        self.model = model
        guard model.inputs.count == 1, let iIndex = model.layers.firstIndex(where: { $0.name == model.inputs[0] })
        else {
            throw QuantizedModelError.invalidModel(
                layer: model.name, reason: "a quantized model needs exactly one InputLayer")
        }
        inputIndex = iIndex
        let inputConfig = model.layers[iIndex].config
        inputDType = DType(rawValue: inputConfig["dtype"]?.string ?? "float32") ?? .float32
        inputShape = (inputConfig["batch_input_shape"]?.array ?? []).dropFirst().map { $0.int }
        var position: [String: Int] = [:]
        var indices: [[Int]] = []
        var lastUse = [Int](repeating: -1, count: model.layers.count)
        for (i, layer) in model.layers.enumerated() {
            let ins = try layer.inputs.map { ref -> Int in
                guard let p = position[ref.layer], ref.index == 0 else {
                    throw QuantizedModelError.invalidModel(
                        layer: layer.name, reason: "reads '\(ref)', which no earlier layer produces")
                }
                lastUse[p] = i
                return p
            }
            indices.append(ins)
            position[layer.name] = i
        }
        for out in model.outputs {
            guard let p = position[out.layer] else {
                throw QuantizedModelError.invalidModel(
                    layer: out.layer, reason: "model output is not produced by any layer")
            }
            lastUse[p] = model.layers.count
        }
        inputIndices = indices
        self.lastUse = lastUse
        let stateful = model.layers.contains { StatefulLayerClasses.contains($0.className) }
        let mode = mode ?? (stateful ? .eager : .predict)
        ops = try model.layers.map { try QuantizedLayerRegistry.makeOp($0, mode: mode) }
    }

    /// Runs the model and returns its outputs as float32 arrays (dequantized), one per model output.
    /// Samples are independent: the batch runs in chunks of a few samples, spread over up to
    /// `threads` threads. The chunk size is set once per engine from the first sample's largest
    /// layer output, so that a chunk's tensors stay small (in cache, and reused by the allocator).
    public func predict(
        _ input: NDArray, threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws -> [NDArray] {
        let n = input.shape.first ?? 0
        var pieces: [[NDArray]] = []
        var start = 0
        let chunk: Int
        if let size = Self.chunkOverride ?? chunkSize.value {
            chunk = size
        } else {
            guard n > 1 else { return try predictSlice(input) }
            var peak = 0
            pieces.append(try predictSlice(sampleRange(input, 0..<1), peak: &peak))
            chunk = chunkSize.set(max(1, min(16, Self.chunkElements / max(peak, 1))))
            start = 1
        }
        let ranges = stride(from: start, to: n, by: chunk).map { $0..<min(n, $0 + chunk) }
        if ranges.count == 1 && pieces.isEmpty { return try predictSlice(input) }
        let workers = max(1, min(threads, ranges.count))
        var results = [Result<[NDArray], Error>?](repeating: nil, count: ranges.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for k in stride(from: worker, to: ranges.count, by: workers) {
                var peak = 0
                let result = Result { try predictSlice(sampleRange(input, ranges[k]), peak: &peak) }
                lock.lock()
                results[k] = result
                lock.unlock()
            }
        }
        pieces += try results.map { try $0!.get() }
        return try (0..<pieces[0].count).map { o in
            let first = pieces[0][o]
            var bytes: [UInt8] = []
            bytes.reserveCapacity(pieces.reduce(0) { $0 + $1[o].bytes.count })
            for p in pieces { bytes += p[o].bytes }
            return try NDArray(dtype: first.dtype, shape: [n] + first.shape.dropFirst(), bytes: bytes)
        }
    }

    /// Largest layer output of a chunk, in values: chunk = this / the largest per-sample output.
    static let chunkElements = 32768

    /// SPIKEFORGE_QUANTIZED_CHUNK: a fixed chunk size (benchmarks).
    static let chunkOverride: Int? = ProcessInfo.processInfo.environment["SPIKEFORGE_QUANTIZED_CHUNK"]
        .flatMap { Int($0) }.map { max(1, $0) }

    /// Samples `range` of a batch.
    func sampleRange(_ input: NDArray, _ range: Range<Int>) throws -> NDArray {
        let sampleBytes = input.shape.dropFirst().reduce(1, *) * input.dtype.byteSize
        return try NDArray(
            dtype: input.dtype, shape: [range.count] + input.shape.dropFirst(),
            bytes: Array(input.bytes[(range.lowerBound * sampleBytes)..<(range.upperBound * sampleBytes)]))
    }

    func predictSlice(_ input: NDArray) throws -> [NDArray] {
        var peak = 0
        return try predictSlice(input, peak: &peak)
    }

    /// `peak`: raised to the largest layer output per sample, in values.
    func predictSlice(_ input: NDArray, peak: inout Int) throws -> [NDArray] {
        let values = try evaluate(input, keepAll: false, peak: &peak)
        return try model.outputs.map { ref in
            guard let i = model.layers.firstIndex(where: { $0.name == ref.layer }), let v = values[i] else {
                throw QuantizedModelError.invalidModel(layer: ref.layer, reason: "output was not computed")
            }
            return NDArray(v.floats)
        }
    }

    /// Runs the model and returns every layer's output by layer name (for inspection and tests).
    public func layerOutputs(_ input: NDArray) throws -> [String: QValue] {
        let values = try evaluate(input, keepAll: true)
        var out: [String: QValue] = [:]
        for (i, layer) in model.layers.enumerated() { if let v = values[i] { out[layer.name] = v } }
        return out
    }

    func modelInput(_ input: NDArray) throws -> QValue {
        guard input.shape.count == inputShape.count + 1,
            zip(input.shape.dropFirst(), inputShape).allSatisfy({ $1 == nil || $0 == $1 })
        else {
            let want = "(N, " + inputShape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + ")"
            throw QuantizedModelError.invalidInput("the model takes \(want) inputs, got shape \(input.shape)")
        }
        let t = input.floats()
        if inputDType.isFloatingPoint { return .float(t) }
        // Integers of the InputLayer dtype itself (exact in Float32 up to 16 bits) cast to themselves.
        if input.dtype == inputDType && inputDType.byteSize <= 2 { return .raw(t, inputDType) }
        // A typed integer input: values are cast to the InputLayer dtype as Keras does.
        let bits = inputDType.byteSize * 8
        let signed = [DType.int8, .int16, .int32, .int64].contains(inputDType)
        let lo: Float = signed ? -Float(sign: .plus, exponent: bits - 1, significand: 1) : 0
        let hi: Float =
            signed
            ? Float(sign: .plus, exponent: bits - 1, significand: 1) - 1
            : Float(sign: .plus, exponent: bits, significand: 1) - 1
        return .raw(t.map { v in v.isNaN ? 0 : min(max(v.rounded(.towardZero), lo), hi) }, inputDType)
    }

    func evaluate(_ input: NDArray, keepAll: Bool) throws -> [QValue?] {
        var peak = 0
        return try evaluate(input, keepAll: keepAll, peak: &peak)
    }

    func evaluate(_ input: NDArray, keepAll: Bool, peak: inout Int) throws -> [QValue?] {
        let samples = max(input.shape.first ?? 1, 1)
        var values = [QValue?](repeating: nil, count: model.layers.count)
        values[inputIndex] = try modelInput(input)
        for (i, layer) in model.layers.enumerated() where i != inputIndex {
            let ins = try inputIndices[i].map { p -> QValue in
                guard let v = values[p] else {
                    throw QuantizedModelError.invalidModel(
                        layer: layer.name, reason: "input '\(model.layers[p].name)' was not computed")
                }
                return v
            }
            guard !ins.isEmpty else {
                throw QuantizedModelError.invalidModel(layer: layer.name, reason: "layer has no input")
            }
            let value = try reportingLayer(layer.name) { try ops[i].forward(ins) }
            peak = max(peak, value.shape.reduce(1, *) / samples)
            values[i] = value
            if !keepAll {
                for p in inputIndices[i] where lastUse[p] == i { values[p] = nil }
            }
        }
        return values
    }

    /// Runs `body` on behalf of layer `name`: arithmetic errors name the layer.
    func reportingLayer<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as FixedPointError {
            throw QuantizedModelError.arithmetic(layer: name, reason: e.description)
        } catch let e as QuantizerError {
            throw QuantizedModelError.arithmetic(layer: name, reason: e.description)
        }
    }
}

extension QuantizedModel {
    /// Runs the model on a batch (`model.predict` semantics); one float32 array per model output.
    public func predict(_ input: NDArray) throws -> [NDArray] {
        try QuantizedEngine(model: self).predict(input)
    }
}

/// The chunk size an engine's `predict` settles on (shared by the engine's copies).
final class ChunkSize: @unchecked Sendable {
    private let lock = NSLock()
    private var size: Int?

    var value: Int? {
        lock.lock()
        defer { lock.unlock() }
        return size
    }

    /// Keeps the first size set; returns the size in force.
    func set(_ newSize: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        if size == nil { size = newSize }
        return size!
    }
}
