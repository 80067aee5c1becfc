// Parallel: splitting kernel work across cores. Work is cut into contiguous index ranges,
// one per core, and only when there is enough arithmetic to pay for the dispatch.
import Dispatch
import Foundation

enum Parallel {
    /// Below this many multiply-adds a kernel runs on the calling thread.
    static let minimumWork = 1 << 16

    /// Threads a kernel may use: the active cores, or `SPIKEFORGE_KERNEL_THREADS` when set
    /// (a server running several jobs at once may prefer 1).
    static let cores: Int = {
        if let value = ProcessInfo.processInfo.environment["SPIKEFORGE_KERNEL_THREADS"], let n = Int(value), n > 0 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Calls `body` on disjoint ranges covering `0..<count`; `work` is the total arithmetic
    /// (multiply-adds) so small jobs stay on one thread.
    static func forEachRange(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(count, cores, max(1, work / minimumWork))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lo = chunk * count / chunks, hi = (chunk + 1) * count / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// A raw pointer that may cross into `concurrentPerform` closures; each closure writes a
/// disjoint range of it.
struct SharedBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}

/// Runs `fill` on an uninitialised Float buffer of `count` elements (which `fill` must
/// completely write) and returns it as an array.
@inline(__always)
func makeFloats(_ count: Int, _ fill: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        if let base = buffer.baseAddress { fill(base) }
        initialized = count
    }
}
