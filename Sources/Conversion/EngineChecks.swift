// EngineChecks: the Akida engine's own construction checks, met while a layer is built (kernel
// and stride limits of convolutions, pooling strides, positive sizes, buffer bitwidths).
import AkidaModel

extension AkidaAssembler {
    func engineError(_ layer: String, _ message: String, fix: String) -> ConversionError {
        ConversionError(
            kind: .engine, layer: layer, rule: "engine-constraint", message: message, fix: fix,
            referenceType: "ValueError")
    }

    /// Akida engine constraints checked when a convolution layer is added.
    func convEngineChecks(_ block: MatchedBlock, type: AkidaLayerType, inputShape: [Int], outputShape: [Int]) throws {
        let conv = block.root, name = conv.name
        let k = conv.kernelSize, s = conv.strides
        if type == .conv2D || type == .depthwiseConv2D {
            if s[0] != 1 && s[0] != 2 {
                throw engineError(name, "Kernel stride must be equal to 1 or 2.", fix: "use strides 1 or 2")
            }
            if k[0] % 2 == 0 { throw engineError(name, "Kernel size must be odd.", fix: "use an odd kernel size") }
            if s[0] == 2 && type == .conv2D && k[0] != 1 && k[0] != 3 {
                throw engineError(
                    name, "Stride 2 is only supported with kernel size 1 or 3.",
                    fix: "use a 1x1 or 3x3 kernel with stride 2, or stride 1 followed by pooling")
            }
            if s[0] == 2 && type == .depthwiseConv2D && k[0] != 3 {
                throw engineError(
                    name, "Stride 2 is only supported with kernel size 3.",
                    fix: "use a 3x3 depthwise kernel with stride 2")
            }
        }
        if [.inputConvolutional, .convolutional, .separableConvolutional].contains(type) && (s[0] > k[0] || s[1] > k[1])
        {
            throw engineError(
                name, "Strides > kernel size are not supported", fix: "use strides no larger than the kernel")
        }
        if let pool = block.maxPool {
            let size = pool.pair("pool_size") ?? [2, 2], stride = pool.pair("strides") ?? size
            if stride[0] > size[0] || stride[1] > size[1] {
                throw engineError(
                    pool.name, "Parameter pool_stride cannot be higher than pool_size.",
                    fix: "use pooling strides no larger than the pool size")
            }
        }
        if outputShape.contains(where: { $0 <= 0 }) || inputShape.contains(where: { $0 <= 0 }) {
            throw engineError(
                name, "Computed output size would not be strictly positive.",
                fix: "the input of '\(name)' is smaller than its kernel/pool; use 'same' padding or a larger input")
        }
    }

    func bufferChecks(_ name: String, _ params: [String: Int]) throws {
        for key in ["buffer_bits", "post_op_buffer_bits"] {
            if let v = params[key], v < 1 || v > 32 {
                throw engineError(
                    name, "The \(key) parameter must be between 1 and 32.", fix: "use a buffer bitwidth of at most 32")
            }
        }
    }
}
