// The one simulation step of every neural layer type (InputConv2D, Conv2D, DepthwiseConv2D,
// Dense1D and the Akida 1.0 four; the transposed layers run it over a zero-stuffed input): a layer
// type states how it differs in NeuralTraits, and the compile step here reads its geometry,
// kernels and post-accumulation variables accordingly.

enum NeuralKind { case conv, depthwise, dense, separable }

enum Pooling { case none, max(WindowAxis, WindowAxis), global }

/// Where padded input positions take their value from.
enum PadValues {
    case zero
    /// InputConv2D: a `padding_value` variable, one per input channel.
    case perChannelVariable
    /// InputConvolutional: one `padding_value` parameter.
    case parameter
}

/// How a neural layer type differs from the others.
struct NeuralTraits {
    var kind: NeuralKind
    /// v2: square kernels and output scaling; v1: rectangular kernels, threshold and act_step.
    var generation: AkidaIPVersion
    /// The stored kernel computes a true convolution, so it is flipped into cross-correlation.
    var flipsKernel: Bool
    var padding: PadValues = .zero
    /// Akida 2.0 layers but InputConv2D shift their inputs by `input_shift`.
    var shiftsInput: Bool = false
    /// InputConv2D adds the bias before the buffer_bits saturation.
    var biasBeforeSaturation: Bool = false
    /// FullyConnected: weights in column-major input order, potentials saturated to 20 bits.
    var fullyConnected: Bool = false
}

/// The registry side of the neural layer types: their compile step is the shared one.
protocol NeuralLayer: SimulatedLayer {
    static var traits: NeuralTraits { get }
}

extension NeuralLayer {
    static func compile(_ r: LayerReader) throws -> CompiledLayer {
        let neural = try Neural(r, traits)
        let inShape = r.inShape
        let largest =
            [
                neural.a0.paddedSize * neural.a1.paddedSize * inShape[2],
                neural.a0.output * neural.a1.output * max(neural.outChannels, inShape[2]),
            ].max() ?? 0
        guard largest <= maxElements else {
            throw r.fail("buffers of \(largest) elements exceed the limit of \(maxElements)")
        }
        let fanIn = neural.kind == .dense ? inShape.reduce(1, *) : neural.k0 * neural.k1 * inShape[2]
        guard fanIn <= maxFanIn else { throw r.fail("\(fanIn) inputs per output exceed the limit of \(maxFanIn)") }
        let outShape: [Int]
        switch neural.pooling {
        case .none: outShape = [neural.a0.output, neural.a1.output, neural.outChannels]
        case .max(let q0, let q1): outShape = [q0.output, q1.output, neural.outChannels]
        case .global: outShape = [1, 1, neural.outChannels]
        }
        return r.compiled(neural, outShape: outShape, outDType: neural.post.outputDType)
    }
}

/// A convolution, depthwise, dense or separable layer of either generation, ready to run.
struct Neural {
    var kind: NeuralKind
    var inShape: [Int]
    var a0: WindowAxis  // convolution geometry (dense: 1×1 on a 1×1 grid)
    var a1: WindowAxis
    var k0: Int, k1: Int
    var outChannels: Int
    var weights: KernelWeights  // cross-correlation orientation
    var pointwise: KernelWeights  // separable only: (C, F)
    var inputShift: [Int32]  // per input channel (dense: per flat input); empty: none
    var padValues: [Int32]  // per input channel; empty: zero padding
    /// Largest |pad value| (read per layer run: no array is made).
    var maxPadValue: Int64 { padValues.reduce(0) { max($0, Int64($1.magnitude)) } }
    var pooling: Pooling
    var post: PostOp
}

/// What follows accumulation: Akida 2.0 scaling or Akida 1.0 threshold/act_step.
enum PostOp {
    case v2(ScalingV2)
    case v1(ActivationV1)

    /// The dtype akida gives the layer's output.
    var outputDType: AkidaOutputDType {
        switch self {
        case .v2(let v2):
            let ob = v2.outputBits
            return ob <= 4 ? .uint8 : ob <= 8 ? .int8 : ob == 16 ? .int16 : .int32
        case .v1(let v1): return v1.activation ? .uint8 : .int32
        }
    }
}

/// Akida 2.0 bias, ReLU clip and output scaling (reference 7.5).
struct ScalingV2 {
    var bias: [Int64]
    var biasBeforeSaturation: Bool
    var bufferBits: Int, postOpBits: Int, outputBits: Int
    var relu: Bool
    var clip: [Int64]
    var scales: [Int64]
    var shifts: [Int]
}

/// Akida 1.0 threshold and act_step activation (reference 8.3).
struct ActivationV1 {
    var threshold: [Int64]
    var actStep: [Float]
    /// act_step as the engine keeps it: fixed point with 4 fractional bits, floored.
    var actStep16: [Int64]
    var activation: Bool
    var actBits: Int
    /// FullyConnected potentials saturate to 20 bits.
    var saturate20: Bool
}

/// A step that runs a Neural, whose buffers the workspace sizes.
protocol NeuralStep {
    var neural: Neural { get }
    /// Values of the input the step rewrites for its neural layer (0: it passes its input on).
    var rewrittenInputCount: Int { get }
}

extension NeuralStep {
    var rewrittenInputCount: Int { 0 }
}

extension Neural: LayerStep, NeuralStep {
    var neural: Neural { self }

    func run(_ io: StepIO) throws {
        try io.workspace.runNeural(self, input: io.requireInput(), out: io.out, name: io.layer.name)
    }

    var prediction: Prediction {
        guard case .v1(let v1) = post, !v1.activation else { return .unavailable }
        return .potentials(threshold: v1.threshold, actStep: v1.actStep)
    }
}
