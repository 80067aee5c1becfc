// Deterministic corruption of file bytes for the robustness tests: truncations and bit flips
// driven by a seeded SplitMix64 generator, so every run feeds the parsers the same inputs.
import Foundation

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Mutations {
    /// `count` corrupted copies of `original`: a third truncated at random lengths, the rest
    /// with 1–8 random bit flips, biased towards the first `hotPrefix` bytes where headers live.
    static func corrupted(_ original: [UInt8], count: Int, seed: UInt64, hotPrefix: Int = 2048) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed)
        var out: [[UInt8]] = []
        for i in 0..<count {
            if i % 3 == 0 {
                out.append(Array(original.prefix(Int.random(in: 0..<original.count, using: &rng))))
            } else {
                var copy = original
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let limit = Bool.random(using: &rng) ? min(hotPrefix, copy.count) : copy.count
                    let at = Int.random(in: 0..<limit, using: &rng)
                    copy[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                }
                out.append(copy)
            }
        }
        return out
    }
}
