// QuantizedLayerType: what one QuantizeML layer class owns across the quantization stages — the
// float classes it quantizes, its quantized config (q_config defaults and overrides), its
// integer op and the integers that op records, and the facts OutputQuantizer planning and
// calibration ask of it. One conforming type per class, one file each in this folder, found by
// class name in QuantizedLayerRegistry.
import KerasGraph

/// What cross-layer equalization (reference §6.4) does when its walk from an OutputQuantizer
/// reaches a layer.
enum EqualizationRole {
    /// A weight layer: its kernel absorbs the rescaling rates.
    case absorbs
    /// Transparent to the rates (pooling, dropout, dequantizer).
    case passes
    /// Transparent when the rates are per-tensor; once only when they are per-axis.
    case reshapes
    /// Ends the walk without equalizing.
    case stops
}

protocol QuantizedLayerType {
    /// The QuantizeML class name, without the `Custom>` prefix.
    static var className: String { get }
    /// The float Keras classes the pipeline replaces by this class (reference §5.4).
    static var floatClasses: [String] { get }
    /// Whether the layer holds weights (the `input_weight_bits` scope ends after the first one).
    static var hasWeights: Bool { get }
    /// Whether it can follow an unsigned InputQuantizer: its bias absorbs the zero point (§5.7, §6.5).
    static var foldsInputZeroPoint: Bool { get }
    /// Whether the layer can end with an OutputQuantizer (§5.5, §5.9).
    static var holdsOutputQuantizer: Bool { get }
    /// Whether its inputs must be output-quantized by the nearest preceding holders (§5.5).
    static var needsAlignedInputs: Bool { get }
    /// Its part in the equalization walk of §6.4 (float and quantized forms alike).
    static var equalization: EqualizationRole { get }
    /// Whether its OutputQuantizer rescales a scale, so equalization may start from it.
    static var startsEqualization: Bool { get }
    /// Whether its kernel keeps the input channels on the last axis (a transposed convolution's
    /// (kh, kw, filters, channels)), which equalization divides by the rescaling rate.
    static var kernelInputChannelsLast: Bool { get }
    /// Whether, as the absorbing layer, it takes per-axis rates (the buffered temporal layers take
    /// per-tensor rates only; after a per-axis OutputQuantizer there is no equalization).
    static var absorbsPerAxisRates: Bool { get }
    /// Why the reference never quantizes the float class (nil when it does): the pipeline stops
    /// before such a layer, which stays float after a Dequantizer.
    static var notQuantizable: String? { get }
    /// Whether the layer keeps a state across calls (QuantizeML's StatefulRecurrent): the model's
    /// input shape is then kept and calibration runs segment by segment (reference §6).
    static var carriesState: Bool { get }
    /// Where its OutputQuantizer variables live relative to the layer (`output_quantizer/`, or
    /// nothing for a quantizer built in the layer's own name scope).
    static var outputVariablePrefix: String { get }

    /// Whether this class quantizes the float `node` (one of `floatClasses`); a node it does not
    /// take stays float and, for the planner, holds no OutputQuantizer.
    static func quantizes(_ node: GraphNode) -> Bool
    /// Refuses a float layer the quantized class can never take (an error naming the layer and the rule).
    static func checkQuantizable(_ node: GraphNode) throws
    /// As `checkQuantizable(_:)` for rules on the input shapes (batch axis excluded).
    static func checkQuantizable(_ node: GraphNode, inputShapes: [[Int]]) throws
    /// The quantized Keras config of the float `node` with `quantConfig` completed from `params`,
    /// or nil when the reference's constructor would refuse it (the layer then stays float).
    static func quantizedConfig(of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams) -> JSONValue?
    /// The integer op of a saved layer of this class (config and weights parsed once).
    static func makeOp(_ layer: QuantizedLayer, mode: ReferenceMode) throws -> LayerOp
}

extension QuantizedLayerType {
    static var floatClasses: [String] { [] }
    static var hasWeights: Bool { false }
    static var foldsInputZeroPoint: Bool { false }
    static var holdsOutputQuantizer: Bool { true }
    static var needsAlignedInputs: Bool { false }
    static var equalization: EqualizationRole { .stops }
    static var startsEqualization: Bool { true }
    static var kernelInputChannelsLast: Bool { false }
    static var absorbsPerAxisRates: Bool { true }
    static var notQuantizable: String? { nil }
    static var carriesState: Bool { false }
    static var outputVariablePrefix: String { "output_quantizer/" }
    static func quantizes(_ node: GraphNode) -> Bool { true }
    static func checkQuantizable(_ node: GraphNode) throws {}
    static func checkQuantizable(_ node: GraphNode, inputShapes: [[Int]]) throws { try checkQuantizable(node) }
    static func quantizedConfig(
        of node: GraphNode, quantConfig: QuantConfig, params: QuantizationParams
    ) -> JSONValue? {
        nil
    }

    /// The float config's `name`, `trainable` and `dtype`, then `keys` when present.
    static func kept(_ config: JSONValue, _ keys: [String] = []) -> [(String, JSONValue)] {
        (["name", "trainable", "dtype"] + keys).compactMap { k in config[k].map { (k, $0) } }
    }
}

/// A legacy CNN2SNN quantized layer family (`cnn2snn.quantize`, Akida 1.0 flow). Its classes are
/// saved without the `Custom>` prefix or a `quant_config`; they compute in float32.
protocol LegacyLayerType {
    /// The saved class names, some shared with QuantizeML classes.
    static var classNames: [String] { get }
    /// Whether a layer of one of `classNames` without a `quant_config` is of this family.
    static func recognizes(_ layer: QuantizedLayer) -> Bool
    static func makeOp(_ layer: QuantizedLayer) throws -> LayerOp
}

/// A quantizer bitwidth the reference's Quantizer constructor accepts.
func acceptsBitwidth(_ cfg: JSONValue?, signedDefault: Bool = true) -> Bool {
    guard let cfg else { return true }
    guard let bits = cfg["bitwidth"]?.int else { return cfg["bitwidth"] == nil }
    let signed = cfg["signed"]?.bool ?? signedDefault
    return bits >= (signed ? 2 : 1)
}
