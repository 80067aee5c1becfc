// Spatio-temporal TENNs in quantization. QuantizeML quantizes them in their streaming form: its
// sanitizing turns a Conv3D-form model (5-D input (N, T, H, W, C)) into BufferTempConv /
// DepthwiseBufferTempConv layers over 4-D frames (replace_conv3d), then calibrates it with frames
// (batch_size·steps, H, W, C), time-major, the FIFOs running across batches. Calibration samples
// of the Conv3D form's 5-D shape then no longer fit the model: the reference refuses them, and so
// does SpikeForge, with the same meaning; frames are accepted and the model is quantized in its
// streaming form (its float FIFOs run across the calibration batches).
import Diagnostics
import KerasGraph
import Tensors

/// A spatio-temporal model quantization refuses: the layer at fault, the rule, the fix.
public struct SpatioTemporalRefusal: UserFacingError, Equatable {
    public var layer: String?
    public var rule: String?
    public var fix: String?
    public var reason: String

    public var problemType: ProblemType { .quantizationFailed }
    public var description: String {
        "layer '\(layer ?? "?")': \(reason) [\(rule ?? "")]" + (fix.map { "; \($0)" } ?? "")
    }
}

enum SpatioTemporal {
    static let temporalClasses: Set<String> = ["Conv3D", "ZeroPadding3D", "AveragePooling3D"]

    /// The graph quantization works on: a Conv3D-form model's streaming form (sanitizing's
    /// replace_conv3d, done before the input takes the samples' shape), refused when the calibration
    /// samples are clips of the Conv3D form rather than frames; any other model as it is.
    static func streamingForm(_ g: LayerGraph, samples: NDArray?) throws -> LayerGraph {
        guard let conv = g.nodes.first(where: { temporalClasses.contains($0.baseClassName) }) else { return g }
        let input = g.inputs.first ?? "input"
        let declared = g.node(named: input)?.config["batch_input_shape"]?.array?.dropFirst() ?? []
        let frame = declared.dropFirst().map { $0.int.map(String.init) ?? "None" }.joined(separator: ", ")
        guard let samples, samples.shape.count != declared.count + 1 else {
            let what =
                samples.map { "calibration samples of shape \($0.shape)" }
                ?? "random calibration samples of the clip shape"
            throw SpatioTemporalRefusal(
                layer: input, rule: "streaming-calibration-shape",
                fix: "pass frames of shape (batch_size × steps, \(frame)), time-major, with --batch-size",
                reason: "\(what) do not fit the streaming form the sanitizing makes of this Conv3D model "
                    + "('\(conv.name)'), whose input is one frame (None, \(frame))")
        }
        do {
            return try Sanitizer.ReplaceConv3D.apply(g)
        } catch let failure as TransformFailure {
            throw SpatioTemporalRefusal(
                layer: failure.layer ?? conv.name, rule: "replace-conv3d",
                fix: "build temporal convolutions as causal (k, 1, 1) Conv3D after a ZeroPadding3D of (k − 1, 0) on "
                    + "time, and spatial ones with a temporal kernel of 1",
                reason: "the Conv3D model has no streaming form: \(failure.reason)")
        }
    }
}
