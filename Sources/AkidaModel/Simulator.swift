// The integer simulator: runs a compiled Akida model on a batch (NHWC), bit-exact with akida's
// software engine (forward and predict), optionally keeping every layer's output. Samples of a
// stateless model are independent, so the batch is split across cores; each worker reuses its own
// buffers. A model with a stateful layer runs its batch as a time sequence (SimulationState.swift).
import Dispatch
import Foundation
import Tensors

/// A batch of layer outputs (N, D0, D1, C): integers for Akida layers, floats for Dequantizer
/// (and for akida's predict).
public struct AkidaTensor: Sendable, Equatable {
    public var dtype: AkidaOutputDType
    public var shape: [Int]
    /// Integer values (empty for float32 tensors).
    public var integers: [Int32]
    /// Float values (empty for integer tensors).
    public var floats: [Float]

    public var count: Int { shape.reduce(1, *) }

    /// Share of exactly-zero values (activation sparsity).
    public var zeroFraction: Double {
        let zeros = dtype == .float32 ? floats.lazy.filter { $0 == 0 }.count : integers.lazy.filter { $0 == 0 }.count
        return count == 0 ? 0 : Double(zeros) / Double(count)
    }

    /// As an NDArray of akida's dtype (for .npy output).
    public func ndarray() -> NDArray {
        switch dtype {
        case .float32: return NDArray(Tensor(shape: shape, scalars: floats))
        case .uint8: return NDArray(Tensor(shape: shape, scalars: integers), dtype: .uint8)
        case .int8: return NDArray(Tensor(shape: shape, scalars: integers), dtype: .int8)
        case .int16: return NDArray(Tensor(shape: shape, scalars: integers), dtype: .int16)
        case .int32: return NDArray(Tensor(shape: shape, scalars: integers), dtype: .int32)
        }
    }
}

/// Result of a forward pass: the model output, and every layer's output when requested.
public struct AkidaInference: Sendable {
    public var output: AkidaTensor
    /// Per layer, in model order (empty unless requested).
    public var layerOutputs: [(name: String, tensor: AkidaTensor)]
    /// Per layer: share of zero values (only when zero counting was requested).
    public var sparsity: [(name: String, zeroFraction: Double)] = []
}

/// Output of `AkidaSimulator.infer`.
public struct AkidaRunResult: Sendable {
    public var output: AkidaTensor
    /// true when `output` is akida's `predict` (float32), false for `forward`.
    public var usedPredict: Bool
    /// Per layer in model order: share of zero values in its output (empty unless requested).
    public var layerSparsity: [(name: String, zeroFraction: Double)]
}

/// Runs an Akida model; build once, run many batches (thread-safe).
///
/// Stateful models (any layer keeping a state, e.g. `BufferTempConv`'s FIFO) behave as akida's:
/// the samples of a batch are consecutive time steps, run in order on one thread, and the state
/// left by a call is where the next call starts; concurrent calls on one simulator run one after
/// the other. `resetState()` returns the model to its freshly loaded state; a new simulator starts
/// fresh. Stateless models ignore all this.
public final class AkidaSimulator: @unchecked Sendable {
    public let model: AkidaModel
    let layers: [CompiledLayer]
    let state: SimulationState
    /// Maximum number of threads a batch is split over.
    public let maxThreads: Int
    /// When a batch leaves cores idle (batch 1), a layer is split across them only if each part
    /// gets at least this many multiply-adds: below 2^24 the second thread cost more CPU time than
    /// it saved in wall time (akidanet 224 at batch 1 on 2 cores: parts of 2^18 gave 400 samples/s
    /// and 298 per CPU-second, parts of 2^24 410–437 and 325–351). Tests lower it to split every layer.
    public let tileWork: Int
    public static let defaultTileWork = 1 << 24
    /// The workspace a finished call leaves for the next one, so a one-sample call (the usual
    /// predict) allocates no buffers; one only, to bound what an idle simulator holds.
    private let spare: SpareWorkspace

    /// Compiles and checks the model (shapes, variables, parameters). Throws AkidaModelError.
    public init(model: AkidaModel, maxThreads: Int = 0, tileWork: Int = AkidaSimulator.defaultTileWork) throws {
        try model.validateGraph()
        self.model = model
        self.layers = try CompiledLayer.compile(model)
        self.state = SimulationState(layers.map { $0.step.makeState() })
        self.maxThreads = maxThreads > 0 ? maxThreads : AkidaSimulator.availableCores
        self.tileWork = max(1, tileWork)
        self.spare = SpareWorkspace(layers: layers)
    }

    /// true when a layer keeps a state across samples and calls (see the type's documentation).
    public var isStateful: Bool { state.isStateful }

    /// Returns every stateful layer to its fresh state (waits for a running call to finish).
    public func resetState() { state.reset() }

    static var availableCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// akida `Model.forward`: the last layer's raw output (integers, or floats after a Dequantizer).
    public func forward(_ input: NDArray) throws -> AkidaTensor {
        try run(input, keepLayers: false).output
    }

    /// Whether `predict` applies (v2: last layer is a Dequantizer; v1: last layer has no activation).
    public var canPredict: Bool {
        switch layers.last?.step.prediction ?? .unavailable {
        case .identity: return model.ipVersion.isV2Family
        case .potentials: return true
        case .unavailable: return false
        }
    }

    /// The engine entry point for `predict` commands and endpoints: predict when the model allows
    /// it (or `forward` when asked or when it does not), with the share of zero values of every
    /// layer's output over the batch when `layerSparsity` is set. `progress(done, total)` is called
    /// after each sample (serially, from worker threads); returning false cancels the run, which
    /// then throws `AkidaModelError.cancelled`.
    public func infer(
        _ input: NDArray, forwardOnly: Bool = false, layerSparsity: Bool = false,
        progress: ((_ done: Int, _ total: Int) -> Bool)? = nil
    ) throws -> AkidaRunResult {
        let result = try run(input, keepLayers: false, countZeros: layerSparsity, progress: progress)
        let output = !forwardOnly && canPredict ? try predict(fromForward: result.output) : result.output
        return AkidaRunResult(output: output, usedPredict: !forwardOnly && canPredict, layerSparsity: result.sparsity)
    }

    /// akida `forward`, keeping every layer's output (the `akida_v*_layers.npz` content).
    public func forwardAllLayers(_ input: NDArray) throws -> AkidaInference {
        try run(input, keepLayers: true)
    }

    /// akida `Model.predict`: float32 outputs. Akida 2.0 models must end with a Dequantizer; Akida 1.0
    /// models with a layer without activation, whose potentials become (p − threshold) / act_step.
    public func predict(_ input: NDArray) throws -> AkidaTensor {
        try predict(fromForward: forward(input))
    }

    /// Turns a `forward` output into the `predict` output (see `predict`).
    public func predict(fromForward out: AkidaTensor) throws -> AkidaTensor {
        guard let last = layers.last else { throw AkidaModelError.invalidGraph("the model has no layers") }
        if model.ipVersion.isV2Family {
            guard case .identity = last.step.prediction else {
                throw AkidaModelError.invalidInput(
                    "predict needs a Dequantizer as last layer (layer '\(last.name)' is not); use forward")
            }
            return out
        }
        guard case .potentials(let threshold, let actStep) = last.step.prediction else {
            throw AkidaModelError.invalidInput(
                "predict needs an Akida 1.0 model whose last layer has no activation; use forward")
        }
        let c = actStep.count
        let floats = out.integers.enumerated().map { i, p in
            (Float(p) - Float(threshold[i % c])) / actStep[i % c]
        }
        return AkidaTensor(dtype: .float32, shape: out.shape, integers: [], floats: floats)
    }

    // MARK: Input validation (reference section 7.1)

    /// The batch as Int32 or Float values, validated against the first layer.
    func prepareInput(_ input: NDArray) throws -> (count: Int, ints: [Int32], floats: [Float]) {
        let want = model.inputShape
        var shape = input.shape
        // A (N, C) batch for a [1, 1, C] model is accepted as (N, 1, 1, C).
        if shape.count == 2, want.count == 3, want[0] == 1, want[1] == 1 { shape = [shape[0], 1, 1, shape[1]] }
        guard shape.count == 4, Array(shape[1...]) == want else {
            let wanted = want.map(String.init).joined(separator: ","), got = input.shape.map(String.init)
            throw AkidaModelError.invalidInput(
                "Input shape must be (N,\(wanted)) but got (\(got.joined(separator: ",")))")
        }
        let rule = layers[0].step.inputRule
        let allowed = rule.dtypes, range = rule.range
        guard [.int8, .uint8, .int16, .float32].contains(input.dtype) else {
            throw AkidaModelError.invalidInput(
                "Input dtype should be int8, uint8, int16 or float32 (got \(input.dtype.rawValue))")
        }
        guard allowed.contains(input.dtype) else {
            let types = allowed.map(\.rawValue).joined(separator: " or ")
            throw AkidaModelError.invalidInput(
                "Unsupported input type \(input.dtype.rawValue). Input type should be \(types).")
        }
        if input.dtype == .float32 {
            let values = input.bytes.withUnsafeBytes { raw in
                (0..<input.count).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                }
            }
            if let bad = values.first(where: { !$0.isFinite }) {
                throw AkidaModelError.invalidInput("Input values must be finite numbers. Got \(bad).")
            }
            return (shape[0], [], values)
        }
        let ints = [Int32](unsafeUninitializedCapacity: input.count) { out, initialized in
            input.bytes.withUnsafeBytes { raw in
                switch input.dtype {
                case .uint8: for k in 0..<input.count { out[k] = Int32(raw[k]) }
                case .int8: for k in 0..<input.count { out[k] = Int32(Int8(bitPattern: raw[k])) }
                default:
                    for k in 0..<input.count {
                        out[k] = Int32(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: k * 2, as: Int16.self)))
                    }
                }
            }
            initialized = input.count
        }
        // One vectorised pass finds the extremes; only an out-of-range input looks for the first bad value.
        let (lo, hi) = ints.withUnsafeBufferPointer(valueRange)
        if let range, !range.contains(lo) || !range.contains(hi),
            let bad = ints.first(where: { !range.contains(Int64($0)) })
        {
            throw AkidaModelError.invalidInput(
                "Input values must be in the range (\(range.lowerBound), \(range.upperBound)). Got \(bad).")
        }
        return (shape[0], ints, [])
    }

    // MARK: Batch execution

    func run(
        _ input: NDArray, keepLayers: Bool, countZeros: Bool = false,
        progress: ((Int, Int) -> Bool)? = nil
    ) throws -> AkidaInference {
        try state.exclusive { try runBatch(input, keepLayers: keepLayers, countZeros: countZeros, progress: progress) }
    }

    private func runBatch(
        _ input: NDArray, keepLayers: Bool, countZeros: Bool, progress: ((Int, Int) -> Bool)?
    ) throws -> AkidaInference {
        let (n, inInts, inFloats) = try prepareInput(input)
        let inCount = model.inputShape.reduce(1, *)
        let keep = layers.indices.map { keepLayers || $0 == layers.count - 1 }
        // Batch-level result buffers, written by workers at disjoint sample offsets.
        let results = layers.indices.map { i -> ResultBuffer? in
            keep[i] ? ResultBuffer(count: n * layers[i].outCount, isFloat: layers[i].outDType == .float32) : nil
        }
        defer { results.forEach { $0?.deallocate() } }
        // A stateful batch is a time sequence: one worker, samples in order.
        let workers = state.isStateful ? 1 : max(1, min(maxThreads, n))
        var failure: Error?
        var zeros = [Int](repeating: 0, count: layers.count)
        var done = 0, cancelled = false
        let lock = DispatchQueue(label: "akida.simulator.error")
        inInts.withUnsafeBufferPointer { intsIn in
            inFloats.withUnsafeBufferPointer { floatsIn in
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let lo = n * w / workers, hi = n * (w + 1) / workers
                    guard lo < hi else { return }
                    let ws = spare.take()
                    ws.tileThreads = max(1, maxThreads / workers)
                    ws.tileWork = tileWork
                    defer { spare.give(ws) }
                    var localZeros = [Int](repeating: 0, count: layers.count)
                    do {
                        for s in lo..<hi {
                            if let progress {
                                let stop = lock.sync { () -> Bool in
                                    if !cancelled && done > 0 { cancelled = !progress(done, n) }
                                    return cancelled
                                }
                                if stop { throw AkidaModelError.cancelled }
                            }
                            let sampleInts =
                                intsIn.isEmpty
                                ? nil : UnsafeBufferPointer(rebasing: intsIn[s * inCount..<(s + 1) * inCount])
                            let sampleFloats =
                                floatsIn.isEmpty
                                ? nil : UnsafeBufferPointer(rebasing: floatsIn[s * inCount..<(s + 1) * inCount])
                            try ws.runSample(layers: layers, states: state, ints: sampleInts, floats: sampleFloats)
                            if countZeros { ws.countZeros(into: &localZeros) }
                            if progress != nil { lock.sync { done += 1 } }
                            for (i, r) in results.enumerated() {
                                guard let r else { continue }
                                let c = layers[i].outCount
                                if r.isFloat {
                                    r.floats.baseAddress!.advanced(by: s * c).update(
                                        from: ws.floatOut[i].baseAddress!, count: c)
                                } else {
                                    r.ints.baseAddress!.advanced(by: s * c).update(
                                        from: ws.intOut[i].baseAddress!, count: c)
                                }
                            }
                        }
                        lock.sync { for i in zeros.indices { zeros[i] += localZeros[i] } }
                    } catch {
                        lock.sync { failure = failure ?? error }
                    }
                }
            }
        }
        if let failure { throw failure }
        if let progress, !progress(n, n) { throw AkidaModelError.cancelled }
        var outputs: [(name: String, tensor: AkidaTensor)] = []
        for (i, r) in results.enumerated() {
            guard let r else { continue }
            let l = layers[i]
            outputs.append(
                (
                    l.name,
                    AkidaTensor(
                        dtype: l.outDType, shape: [n] + l.outShape,
                        integers: r.isFloat ? [] : Array(r.ints), floats: r.isFloat ? Array(r.floats) : [])
                ))
        }
        let output = outputs[outputs.count - 1].tensor
        if !keepLayers { outputs = [] }
        let sparsity =
            countZeros
            ? layers.indices.map { i in
                (name: layers[i].name, zeroFraction: Double(zeros[i]) / Double(max(1, n * layers[i].outCount)))
            } : []
        return AkidaInference(output: output, layerOutputs: outputs, sparsity: sparsity)
    }
}

/// Heap buffer of a batch result (plain pointers so workers can fill disjoint parts concurrently).
final class ResultBuffer {
    let isFloat: Bool
    let ints: UnsafeMutableBufferPointer<Int32>
    let floats: UnsafeMutableBufferPointer<Float>

    init(count: Int, isFloat: Bool) {
        self.isFloat = isFloat
        ints = .allocate(capacity: isFloat ? 0 : count)
        floats = .allocate(capacity: isFloat ? count : 0)
    }

    func deallocate() {
        ints.deallocate()
        floats.deallocate()
    }
}
