// Per-worker execution of one sample through the compiled layers: buffers allocated once per
// worker and reused by every layer's step (the steps live with their layer types in Layers/ and
// Neural/), and one such workspace kept between calls.
import Foundation

final class Workspace {
    var intOut: [UnsafeMutableBufferPointer<Int32>]
    var floatOut: [UnsafeMutableBufferPointer<Float>]
    let padded: UnsafeMutableBufferPointer<Int32>
    let shifted: UnsafeMutableBufferPointer<Int32>
    let stage: UnsafeMutableBufferPointer<Int32>
    let acc: UnsafeMutableBufferPointer<Int64>
    let pool: UnsafeMutableBufferPointer<Int64>
    /// Threads one layer's output tiles may be spread over (the cores a batch leaves idle), and the
    /// multiply-adds each part must get (AkidaSimulator.tileWork).
    var tileThreads = 1
    var tileWork = AkidaSimulator.defaultTileWork
    /// A neural layer's input as bytes for the CKernels kernels, and their scratch (with slack).
    let bytes: UnsafeMutableBufferPointer<UInt8>
    let byteScratch: UnsafeMutableBufferPointer<UInt8>
    let lanes32: UnsafeMutableBufferPointer<Int32>
    let lanes64: UnsafeMutableBufferPointer<Int64>
    /// The rewritten input of a step that feeds its neural layer another input (a transposed
    /// layer's zero-stuffed input).
    let stepInput: UnsafeMutableBufferPointer<Int32>

    init(layers: [CompiledLayer]) {
        intOut = layers.map { .allocate(capacity: $0.outDType == .float32 ? 0 : $0.outCount) }
        floatOut = layers.map { .allocate(capacity: $0.outDType == .float32 ? $0.outCount : 0) }
        var pad = 1, inSize = 1, grid = 1, lanes = 1, outs = 1, stepIn = 0
        for l in layers {
            outs = max(outs, l.outCount)
            guard let step = l.step as? NeuralStep else { continue }
            stepIn = max(stepIn, step.rewrittenInputCount)
            let n = step.neural
            let c = n.inShape[2]
            pad = max(pad, n.a0.paddedSize * n.a1.paddedSize * c)
            inSize = max(inSize, n.inShape.reduce(1, *))
            grid = max(grid, n.a0.output * n.a1.output * max(n.outChannels, c))
            lanes = max(lanes, n.outChannels, c)
        }
        padded = .allocate(capacity: pad)
        shifted = .allocate(capacity: inSize)
        stage = .allocate(capacity: grid)
        acc = .allocate(capacity: grid)
        pool = .allocate(capacity: outs)
        bytes = .allocate(capacity: max(pad, inSize, grid) + 64)
        byteScratch = .allocate(capacity: max(pad, inSize, grid) + 64)
        lanes32 = .allocate(capacity: lanes)
        lanes64 = .allocate(capacity: lanes)
        stepInput = .allocate(capacity: stepIn)
    }

    func deallocate() {
        intOut.forEach { $0.deallocate() }
        floatOut.forEach { $0.deallocate() }
        [padded, shifted, stage, lanes32, stepInput].forEach { $0.deallocate() }
        [acc, pool, lanes64].forEach { $0.deallocate() }
        [bytes, byteScratch].forEach { $0.deallocate() }
    }

    /// Adds the number of zero values of each layer's current output.
    func countZeros(into counts: inout [Int]) {
        for i in counts.indices {
            var z = 0
            for v in intOut[i] where v == 0 { z += 1 }
            for v in floatOut[i] where v == 0 { z += 1 }
            counts[i] += z
        }
    }

    func runSample(
        layers: [CompiledLayer], states: SimulationState, ints: UnsafeBufferPointer<Int32>?,
        floats: UnsafeBufferPointer<Float>?
    ) throws {
        for (i, layer) in layers.enumerated() {
            let input = layer.inbounds.first.map { UnsafeBufferPointer(intOut[$0]) } ?? ints
            try layer.step.run(
                StepIO(workspace: self, index: i, layer: layer, input: input, floats: floats, state: states.layers[i]))
        }
    }
}

/// At most one Workspace kept between calls: `take` hands it out (or makes a new one), `give`
/// keeps the first one returned and frees the others.
final class SpareWorkspace: @unchecked Sendable {
    private let layers: [CompiledLayer]
    private let lock = NSLock()
    private var kept: Workspace?

    init(layers: [CompiledLayer]) { self.layers = layers }

    func take() -> Workspace {
        lock.lock()
        let ws = kept
        kept = nil
        lock.unlock()
        return ws ?? Workspace(layers: layers)
    }

    func give(_ ws: Workspace) {
        lock.lock()
        let keep = kept == nil
        if keep { kept = ws }
        lock.unlock()
        if !keep { ws.deallocate() }
    }

    deinit { kept?.deallocate() }
}
