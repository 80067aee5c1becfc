// Per-axis inputs that a weight layer expands to common frac bits (`x << shift[channel]`) run on
// the byte kernels unshifted: the input channels are grouped by shift, each group's kernel rows
// are packed apart, and the exact sums of the groups are added shifted,
// Σ_g (Σ_{c ∈ g} x_c · w_c) << s_g = Σ_c (x_c << s_c) · w_c, so each product is computed once.
import CKernelsQuantized
import Foundation

/// The channels of one input shift and the kernel rows reading them, packed without shifts.
struct ShiftGroup {
    let shift: Int32
    let channels: [Int32]
    let packed: PackedBytes
}

/// The groups of one shift vector, and the bound on the shifted sums.
struct ShiftGroups {
    let groups: [ShiftGroup]
    /// Largest Σ|w| · 2^shift feeding one output.
    let maxShiftedL1: Double

    /// `w`: segments × length × outputs int8 values whose rows cycle over `shifts.count` channels.
    init?(_ w: [Int32], segments: Int, outputs: Int, shifts: [Int32]) {
        let c = shifts.count
        guard c > 0, segments > 0, outputs > 0, w.count % (segments * outputs * c) == 0 else { return nil }
        let taps = w.count / (segments * outputs * c)  // kernel columns per segment
        var l1 = [Double](repeating: 0, count: outputs)
        for (i, v) in w.enumerated() {
            l1[i % outputs] +=
                Double(abs(v)) * Double(sign: .plus, exponent: Int(shifts[(i / outputs) % c]), significand: 1)
        }
        maxShiftedL1 = l1.max() ?? 0
        var groups: [ShiftGroup] = []
        for shift in Set(shifts).sorted() {
            let channels = shifts.indices.filter { shifts[$0] == shift }
            var sub: [Int32] = []
            sub.reserveCapacity(segments * taps * channels.count * outputs)
            for row in 0..<(segments * taps) {
                for ch in channels {
                    let base = (row * c + ch) * outputs
                    sub += w[base..<(base + outputs)]
                }
            }
            guard let packed = PackedBytes(sub, segments: segments, outputs: outputs) else { return nil }
            groups.append(ShiftGroup(shift: shift, channels: channels.map { Int32($0) }, packed: packed))
        }
        self.groups = groups
    }
}

/// The shift groups of one kernel for the shift vectors met so far (one per model, in practice).
final class ShiftGroupCache: @unchecked Sendable {
    private let lock = NSLock()
    private var cache: [[Int32]: ShiftGroups?] = [:]

    func groups(_ shifts: [Int32], make: () -> ShiftGroups?) -> ShiftGroups? {
        lock.lock()
        defer { lock.unlock() }
        if let g = cache[shifts] { return g }
        let g = make()
        cache[shifts] = g
        return g
    }
}

extension KernelPack {
    func shiftGroups(_ shifts: [Int32]) -> ShiftGroups? {
        guard let rw = rowWeights else { return nil }
        return shiftGroups.groups(shifts) {
            ShiftGroups(rw.values, segments: rw.segments, outputs: rw.outputs, shifts: shifts)
        }
    }
}

/// The channels `channels` of x (pixels × c), contiguous.
func gatherChannels(_ x: [Float], channels: [Int32], of c: Int) -> [Float] {
    let pixels = x.count / max(c, 1)
    var out = [Float](repeating: 0, count: pixels * channels.count)
    sf_q_gather_f32(x, pixels, Int32(c), channels, Int32(channels.count), &out)
    return out
}
