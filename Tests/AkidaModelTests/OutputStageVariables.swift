// Test support: an Akida 2.0 output stage (`sf_output_v2`) over per-channel variables held in Swift
// arrays, shared by the CKernels output stage tests.
import CKernels

struct OutputStageVariables {
    var bias, clip, scale, shift: [Int64]
    var biasFirst, relu: Bool
    var buffer, post, out: (Int64, Int64)

    /// Runs `body` with the stage; a `sumBound` of 0 says nothing about the sums.
    func with<R>(sumBound: Int64 = 0, _ body: (UnsafePointer<sf_output_v2>) -> R) -> R {
        let variables = bias + clip + scale + shift, channels = bias.count
        return variables.withUnsafeBufferPointer { v in
            let base = v.baseAddress!
            var stage = sf_output_v2(
                bias: base, clip: base + channels, scale: base + 2 * channels, shift: base + 3 * channels,
                channels: Int32(channels), bias_first: biasFirst ? 1 : 0, relu: relu ? 1 : 0, buffer_lo: buffer.0,
                buffer_hi: buffer.1, post_lo: post.0, post_hi: post.1, out_lo: out.0, out_hi: out.1,
                sum_bound: sumBound)
            return body(&stage)
        }
    }
}
