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
    /// Samples are independent: the batch runs in chunks of `samplesPerChunk` samples (small enough
    /// for a layer's tensors to stay in cache), spread over up to `threads` threads.
    public func predict(
        _ input: NDArray, threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws -> [NDArray] {
        let n = input.shape.first ?? 0
        let chunk = Self.samplesPerChunk
        let chunks = (n + chunk - 1) / chunk
        guard chunks > 1 else { return try predictSlice(input) }
        let workers = max(1, min(threads, chunks))
        let sampleBytes = input.shape.dropFirst().reduce(1, *) * input.dtype.byteSize
        var results = [Result<[NDArray], Error>?](repeating: nil, count: chunks)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for k in stride(from: worker, to: chunks, by: workers) {
                let first = k * chunk, last = min(n, first + chunk)
                let result = Result {
                    let slice = try NDArray(
                        dtype: input.dtype, shape: [last - first] + input.shape.dropFirst(),
                        bytes: Array(input.bytes[(first * sampleBytes)..<(last * sampleBytes)]))
                    return try predictSlice(slice)
                }
                lock.lock()
                results[k] = result
                lock.unlock()
            }
        }
        let slices = try results.map { try $0!.get() }
        return try (0..<slices[0].count).map { o in
            let first = slices[0][o]
            var bytes: [UInt8] = []
            bytes.reserveCapacity(slices.reduce(0) { $0 + $1[o].bytes.count })
            for s in slices { bytes += s[o].bytes }
            return try NDArray(dtype: first.dtype, shape: [n] + first.shape.dropFirst(), bytes: bytes)
        }
    }

    /// Samples per chunk of `predict` (SPIKEFORGE_QUANTIZED_CHUNK overrides it, for benchmarks).
    static let samplesPerChunk: Int = {
        let given = ProcessInfo.processInfo.environment["SPIKEFORGE_QUANTIZED_CHUNK"].flatMap { Int($0) }
        return max(1, given ?? 8)
    }()

    func predictSlice(_ input: NDArray) throws -> [NDArray] {
        let values = try evaluate(input, keepAll: false)
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
            values[i] = try reportingLayer(layer.name) { try ops[i].forward(ins) }
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
