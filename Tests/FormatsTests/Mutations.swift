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
    /// `count` corrupted copies of `original`: a third truncated at random lengths, a third
    /// with 1–8 random bit flips, a third with 1–4 random 1-, 2-, 4- or 8-byte words (the
    /// widths of sizes and addresses) overwritten; positions are biased towards the first
    /// `hotPrefix` bytes, where headers live.
    static func corrupted(_ original: [UInt8], count: Int, seed: UInt64, hotPrefix: Int = 2048) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed)
        var out: [[UInt8]] = []
        for i in 0..<count {
            if i % 3 == 0 {
                out.append(Array(original.prefix(Int.random(in: 0..<original.count, using: &rng))))
            } else if i % 3 == 1 {
                var copy = original
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let at = position(in: copy.count, hotPrefix: hotPrefix, using: &rng)
                    copy[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                }
                out.append(copy)
            } else {
                var copy = original
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let width = [1, 2, 4, 8].randomElement(using: &rng)!
                    let at = position(in: copy.count, hotPrefix: hotPrefix, using: &rng)
                    var word = rng.next()
                    for k in at..<min(at + width, copy.count) { copy[k] = UInt8(truncatingIfNeeded: word); word >>= 8 }
                }
                out.append(copy)
            }
        }
        return out
    }

    private static func position(in count: Int, hotPrefix: Int, using rng: inout SplitMix64) -> Int {
        let limit = Bool.random(using: &rng) ? min(hotPrefix, count) : count
        return Int.random(in: 0..<limit, using: &rng)
    }
}
