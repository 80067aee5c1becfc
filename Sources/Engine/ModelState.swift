// Engine: the state a loaded model keeps between predictions. akida keeps a stateful model's
// state (a buffered temporal layer's FIFO, a recurrent state) from one `forward` call to the next
// and runs a batch as a time sequence; a loaded Akida model here holds one simulator for its whole
// life so that successive `predict` calls continue the sequence, and `resetState()` starts it over.
import AkidaModel
import Foundation
import Tensors

/// The simulator of one loaded Akida model, built on first use and kept with its state.
public final class AkidaSession: @unchecked Sendable {
    public let model: AkidaModel
    private let lock = NSLock()
    private var built: AkidaSimulator?

    public init(model: AkidaModel) { self.model = model }

    /// The model's simulator (compiled once; the same instance, with its state, afterwards).
    public func simulator() throws -> AkidaSimulator {
        lock.lock()
        defer { lock.unlock() }
        if let built { return built }
        let simulator = try AkidaSimulator(model: model)
        built = simulator
        return simulator
    }

    /// Returns every stateful layer to its fresh state (nothing to do before the first run).
    public func resetState() {
        lock.lock()
        let simulator = built
        lock.unlock()
        simulator?.resetState()
    }
}

extension LoadedModel {
    /// true when the model keeps a state from one sample and one prediction to the next.
    public var isStateful: Bool {
        get throws {
            guard case .akida(_, let session) = self else { return false }
            return try session.simulator().isStateful
        }
    }

    /// Starts the model's time sequence over: the next prediction runs from a fresh state, as
    /// after loading. Models without state are unaffected.
    public func resetState() {
        if case .akida(_, let session) = self { session.resetState() }
    }

    /// Runs a batch made of consecutive sequences of `sequenceLength` samples each, from a fresh
    /// state for every sequence (the last one may be shorter); outputs are concatenated in order.
    public func predict(_ inputs: [NDArray], sequenceLength: Int) throws -> InferenceResult {
        guard sequenceLength > 0 else { throw EngineError.badInput("the sequence length must be positive") }
        let rows = inputs.first?.shape.first ?? 0
        var outputs: [(name: String, array: NDArray)] = []
        for start in stride(from: 0, to: max(rows, 1), by: sequenceLength) {
            resetState()
            let range = start..<min(rows, start + sequenceLength)
            let part = try predict(try inputs.map { try BatchRows.slice($0, range) }).outputs
            outputs =
                outputs.isEmpty
                ? part : try zip(outputs, part).map { ($0.name, try BatchRows.append($0.array, $1.array)) }
        }
        return InferenceResult(outputs: outputs, layerSparsity: [])
    }
}
