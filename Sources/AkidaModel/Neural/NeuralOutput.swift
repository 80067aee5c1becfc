// The Akida 2.0 output stage of unpooled and globally pooled layers whose output shifts all round
// to the right (the common case), run by the CKernels (vectorised per kernel path, the values of
// `finish`): for unpooled layers fused into the kernels' tiles or as a pass over the accumulators
// (`sf_output_v2_rows`), for globally pooled ones as one pass that pools (`sf_output_v2_global`).
import CKernels

/// The output stage's variables and where it writes.
struct FusedOutput {
    let stage: UnsafePointer<sf_output_v2>
    let out: UnsafeMutablePointer<Int32>
    /// The layer pools globally: the stage runs after accumulation, over all positions at once.
    let global: Bool
}

extension Workspace {
    /// Runs `body` with the layer's output stage for the CKernels, or nil when the layer max-pools,
    /// shifts left or is Akida 1.0 (the Swift `finish` handles those). `sumBound`: no sum exceeds it
    /// in magnitude (0 when unknown).
    func withOutputStage<R>(
        _ n: Neural, out: UnsafeMutableBufferPointer<Int32>, sumBound: Int64, _ body: (FusedOutput?) throws -> R
    ) rethrows -> R {
        let global: Bool
        switch n.pooling {
        case .none: global = false
        case .global: global = true
        case .max: return try body(nil)
        }
        guard case .v2(let v2) = n.post, v2.shifts.allSatisfy({ $0 <= 0 }), let o = out.baseAddress
        else { return try body(nil) }
        let ob = v2.outputBits
        let (bufferLo, bufferHi) = bounds(v2.bufferBits), (postLo, postHi) = bounds(v2.postOpBits)
        let (outLo, outHi) = ob <= 4 ? (Int64(0), (Int64(1) << ob) - 1) : bounds(ob)
        return try v2.bias.withUnsafeBufferPointer { bias in
            try v2.clip.withUnsafeBufferPointer { clip in
                try v2.scales.withUnsafeBufferPointer { scales in
                    try v2.shifts.withUnsafeBufferPointer { shifts in
                        try shifts.withMemoryRebound(to: Int64.self) { shift in
                            var stage = sf_output_v2(
                                bias: bias.baseAddress, clip: clip.baseAddress, scale: scales.baseAddress,
                                shift: shift.baseAddress, channels: Int32(n.outChannels),
                                bias_first: v2.biasBeforeSaturation ? 1 : 0, relu: v2.relu ? 1 : 0,
                                buffer_lo: bufferLo, buffer_hi: bufferHi, post_lo: postLo, post_hi: postHi,
                                out_lo: outLo, out_hi: outHi, sum_bound: sumBound)
                            return try withUnsafePointer(to: &stage) {
                                try body(FusedOutput(stage: $0, out: o, global: global))
                            }
                        }
                    }
                }
            }
        }
    }

    /// The output stage over the `positions` rows of `acc`, split across the tile threads.
    func finishRows(_ post: FusedOutput, positions: Int) {
        let a = acc.baseAddress
        tiles(positions, work: positions * Int(post.stage.pointee.channels) * 4) { first, last in
            sf_output_v2_rows(post.stage, a, post.out, Int(first), Int(last))
        }
    }
}
