// Stateful simulation: what a layer keeps from one sample to the next (a buffered temporal
// convolution's FIFO, a recurrent layer's state). akida runs a batch as a time sequence and keeps
// that state across `forward`/`predict` calls until the model is reloaded; the simulator does the
// same, holding one state per compiled layer and running stateful models sample after sample.
//
// How a layer type becomes stateful (any type, in its own Layers/ file):
// 1. its step returns a fresh state from `LayerStep.makeState()` (an `IntegerLayerState` of the
//    size it needs, a `BufferLayerState<Int32>`, or its own class adopting `LayerState`);
// 2. its `run(_:)` reads and updates `io.state` (cast to its class): the value left by the previous
//    sample of this batch, or by the last sample of the previous call.
// The simulator then runs that model's batches on one thread, one call at a time (a lock per
// simulator), and `AkidaSimulator.resetState()` returns every layer to its fresh state.
import Foundation

/// State one compiled layer keeps across samples and calls; created by its step's `makeState()`.
protocol LayerState: AnyObject {
    /// Back to the state of a freshly loaded model.
    func reset()
}

/// A flat integer state, all zeros when fresh: enough for FIFOs (Int32, the simulator's activation
/// type) and recurrent states (a wider type).
final class BufferLayerState<Value: FixedWidthInteger>: LayerState {
    let values: UnsafeMutableBufferPointer<Value>

    init(count: Int) {
        values = .allocate(capacity: count)
        values.initialize(repeating: 0)
    }

    deinit { values.deallocate() }

    func reset() { values.update(repeating: 0) }
}

/// The Int64 flat state (the first form of this API).
typealias IntegerLayerState = BufferLayerState<Int64>

/// The states of one simulator's layers (nil for stateless layers) and the lock that makes its
/// stateful runs and resets one at a time.
final class SimulationState: @unchecked Sendable {
    let layers: [LayerState?]
    let isStateful: Bool
    private let lock = NSLock()

    init(_ layers: [LayerState?]) {
        self.layers = layers
        isStateful = layers.contains { $0 != nil }
    }

    /// Runs `body` holding the lock when the model is stateful (stateless models run unlocked).
    func exclusive<T>(_ body: () throws -> T) rethrows -> T {
        guard isStateful else { return try body() }
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func reset() {
        exclusive { layers.forEach { $0?.reset() } }
    }
}
