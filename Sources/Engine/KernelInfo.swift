// Which kernel path (instruction set) this process computes with, for `spikeforge --version`,
// `/metrics` and benchmarks: chosen at start-up by CPUID or forced with SPIKEFORGE_KERNELS.
import Tensors

public enum KernelInfo {
    /// The active path: "vnni", "avx2" or "portable".
    public static var activePath: String { KernelPath.active.rawValue }

    /// Every path this CPU can run, fastest first.
    public static var supportedPaths: [String] { KernelPath.supported.map(\.rawValue) }

    /// One line: the active path and the supported ones.
    public static var summary: String {
        "kernels: \(activePath) (this CPU runs: \(supportedPaths.joined(separator: ", ")); "
            + "SPIKEFORGE_KERNELS=vnni|avx2|portable forces one)"
    }
}
