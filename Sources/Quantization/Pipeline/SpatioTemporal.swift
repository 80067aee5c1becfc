// Spatio-temporal TENNs in quantization. QuantizeML quantizes them in their streaming form: its
// sanitizing turns a Conv3D-form model (5-D input (N, T, H, W, C)) into BufferTempConv /
// DepthwiseBufferTempConv layers over 4-D frames (replace_conv3d), then calibrates it with frames
// (batch_size·steps, H, W, C), time-major, the FIFOs running across batches. Calibration samples
// of the Conv3D form's 5-D shape then no longer fit the model: the reference refuses them, and so
// does SpikeForge, with the same meaning. The streaming form itself quantizes (its float FIFOs run
// across the calibration batches); building it from the Conv3D form is not implemented yet.
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

    /// Refuses what quantization of a spatio-temporal model cannot do (see the file header).
    static func check(_ g: LayerGraph, samples: NDArray?) throws {
        if let conv = g.nodes.first(where: { temporalClasses.contains($0.baseClassName) }) {
            let input = g.inputs.first ?? "input"
            let declared = g.node(named: input)?.config["batch_input_shape"]?.array?.dropFirst() ?? []
            let frame = declared.dropFirst().map { $0.int.map(String.init) ?? "None" }
            if let samples, samples.shape.count == declared.count + 1 {
                throw SpatioTemporalRefusal(
                    layer: input, rule: "streaming-calibration-shape",
                    fix: "pass frames of shape (batch_size × steps, \(frame.joined(separator: ", "))), time-major, "
                        + "with --batch-size, or quantize the streaming form",
                    reason:
                        "calibration samples of shape \(samples.shape) do not fit the streaming form the "
                        + "sanitizing makes of this Conv3D model ('\(conv.name)'), whose input is one frame "
                        + "(None, \(frame.joined(separator: ", ")))")
            }
            throw SpatioTemporalRefusal(
                layer: conv.name, rule: "streaming-form-unsupported",
                fix: "convert the model to its streaming form with QuantizeML's replace_conv3d and quantize that "
                    + "(SpikeForge quantizes the streaming form), or run the model in float",
                reason: "quantizing a Conv3D spatio-temporal model goes through its streaming form, which "
                    + "SpikeForge does not build from the Conv3D form yet")
        }
    }
}
