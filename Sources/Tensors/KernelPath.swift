// The instruction-set path of the numeric kernels (CKernels), chosen at start-up by CPUID or by
// SPIKEFORGE_KERNELS; every path computes the same integers and the same float bits.
import CKernels

public enum KernelPath: String, CaseIterable, Sendable {
    /// AVX-512 VNNI (`vpdpbusd`) integer kernels, AVX2 + FMA float kernels.
    case vnni
    /// AVX2 (`vpmaddubsw`/`vpmaddwd`) integer kernels, FMA float kernels.
    case avx2
    /// Plain C (any CPU; float multiply-adds through `fmaf`).
    case portable

    var code: Int32 {
        switch self {
        case .vnni: return Int32(SF_PATH_VNNI)
        case .avx2: return Int32(SF_PATH_AVX2)
        case .portable: return Int32(SF_PATH_PORTABLE)
        }
    }

    /// The path kernels run now.
    public static var active: KernelPath {
        let code = sf_active_path()
        return allCases.first { $0.code == code } ?? .portable
    }

    /// Paths this CPU can run, fastest first (always ends with `.portable`).
    public static var supported: [KernelPath] {
        let mask = sf_supported_paths()
        return allCases.filter { mask & (1 << $0.code) != 0 }
    }

    /// Makes `path` the active one for every later kernel call (tests and benchmarks compare the
    /// paths); returns false, changing nothing, when the CPU cannot run it.
    @discardableResult
    public static func activate(_ path: KernelPath) -> Bool { sf_set_active_path(path.code) != 0 }

    /// Runs `body` with `path` active, then restores the previous path; false when unsupported.
    public static func with<R>(_ path: KernelPath, _ body: () throws -> R) rethrows -> R? {
        let previous = active
        guard activate(path) else { return nil }
        defer { activate(previous) }
        return try body()
    }
}
