// Records: the integer quantities the converter reads from a quantized model — what QuantizeML's
// recorders hold after one forward pass (integer weights, upscaled biases and their shifts, input
// shifts, output scales and shifts, ReLU maxima, padding values, input and dequantizer scales).
import JSON
import Quantization

/// An integer tensor, row-major.
public struct IntTensor: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Int64]

    public init(shape: [Int], values: [Int64]) {
        self.shape = shape
        self.values = values
    }

    public init(scalar: Int64) {
        self.init(shape: [], values: [scalar])
    }

    public var count: Int { values.count }
}

/// What the converter needs from one Keras layer. Absent entries mean the layer has no such
/// quantizer (no bias, no output quantizer, ...).
public struct RecordedLayer: Equatable, Sendable {
    /// Integer kernels by quantizer: `kernel` (the `weight_quantizer`, also of depthwise layers),
    /// `depthwise_kernel` / `pointwise_kernel` (`dw_` / `pw_weight_quantizer` of separable layers).
    public var weights: [String: IntTensor] = [:]
    /// The bias upscaled to the accumulator's fractional bits, and the left shift that was applied.
    public var bias: IntTensor?
    public var biasShift: IntTensor?
    /// Per-input-channel left shift that aligns a per-axis input (scalar when aligned already).
    public var inputShift: IntTensor?
    /// Output quantizer: integer scales (absent when its input was not a QFloat) and shift.
    public var outputScales: IntTensor?
    public var outputShift: IntTensor?
    /// ReLU max_value upscaled to the accumulator's fractional bits, and the applied shift.
    public var maxValue: IntTensor?
    public var maxValueShift: IntTensor?
    /// Quantized padding value of a convolution that pads itself.
    public var paddingValue: IntTensor?
    /// InputQuantizer: its output fractional bits; Dequantizer: its input fractional bits.
    public var fracBits: [Double]?
    /// Dequantizer: the float scales of its QFloat input.
    public var scales: [Float]?
    /// InputQuantizer (unsigned): zero points.
    public var zeroPoints: IntTensor?
    /// Add: alignment shifts of its two inputs.
    public var aShift: IntTensor?
    public var bShift: IntTensor?
    /// StatefulRecurrent: scale mantissas and shifts of its input into the new state.
    public var newStateScale: IntTensor?
    public var newStateShift: IntTensor?

    public init() {}
}

/// Recorded quantities of every layer of a quantized model, by layer name.
public struct QuantizationRecord: Equatable, Sendable {
    public var layers: [String: RecordedLayer]

    public init(layers: [String: RecordedLayer]) {
        self.layers = layers
    }

    public subscript(_ name: String) -> RecordedLayer { layers[name] ?? RecordedLayer() }

    /// Reads the JSON form `{layer: {entry: {"shape": [...], "data": [...]}}}` with entries named
    /// after the QuantizeML recorders (`kernel`, `bias`, `bias_shift`, `input_shift`,
    /// `output_scales`, `output_shift`, `max_value`, `max_value_shift`, `padding_value`,
    /// `frac_bits`, `scales`, `zero_points`, `a_shift`, `b_shift`).
    public init(json: JSONValue) throws {
        guard let pairs = json.objectPairs else { throw Self.malformed("top level is not an object") }
        var layers: [String: RecordedLayer] = [:]
        for (name, entries) in pairs {
            guard let items = entries.objectPairs else { throw Self.malformed("layer '\(name)' is not an object") }
            var r = RecordedLayer()
            for (key, value) in items {
                guard let data = value["data"]?.array, let shape = value["shape"]?.array?.compactMap({ $0.int }) else {
                    throw Self.malformed("entry '\(key)' of '\(name)' lacks shape/data")
                }
                let doubles = data.compactMap { $0.double }
                guard doubles.count == data.count, doubles.count == shape.reduce(1, *) else {
                    throw Self.malformed("entry '\(key)' of '\(name)' has \(data.count) values for shape \(shape)")
                }
                let ints = IntTensor(shape: shape, values: doubles.map { Int64($0.rounded()) })
                if let entry = RecordEntry.integers.first(where: { $0.name == key }) {
                    r[keyPath: entry.field] = ints
                } else if RecordEntry.kernels.contains(key) {
                    r.weights[key] = ints
                } else if key == "frac_bits" {
                    r.fracBits = doubles
                } else if key == "scales" {
                    r.scales = doubles.map { Float($0) }
                } else {
                    throw Self.malformed("unknown entry '\(key)' of '\(name)'")
                }
            }
            layers[name] = r
        }
        self.init(layers: layers)
    }

    private static func malformed(_ reason: String) -> ConversionError {
        ConversionError(
            kind: .invalidArgument, layer: nil, rule: "record-format",
            message: "malformed quantization record: \(reason)",
            fix: "produce the record with the same tool version", referenceType: "ValueError")
    }
}

/// The recorder entries: the name the reference's record gives each, where `RecordedLayer` keeps
/// it and which of the Quantization engine's per-layer integers it is. `frac_bits` and `scales`
/// (not integers) and the kernels (keyed by quantizer) are kept apart.
struct RecordEntry {
    let name: String
    let field: WritableKeyPath<RecordedLayer, IntTensor?>
    let integers: KeyPath<LayerIntegers, [Float]?>
    /// What a value is, in the error for one that is not an integer.
    let what: String

    static let kernels = ["kernel", "depthwise_kernel", "pointwise_kernel"]

    /// In the order the recorder checks them.
    static let integers: [RecordEntry] = [
        RecordEntry(name: "bias", field: \.bias, integers: \.bias, what: "an aligned value"),
        RecordEntry(name: "bias_shift", field: \.biasShift, integers: \.biasShift, what: "an alignment shift"),
        RecordEntry(name: "input_shift", field: \.inputShift, integers: \.inputShift, what: "input shift"),
        RecordEntry(name: "padding_value", field: \.paddingValue, integers: \.paddingValue, what: "an aligned value"),
        RecordEntry(name: "max_value", field: \.maxValue, integers: \.maxValue, what: "an aligned value"),
        RecordEntry(
            name: "max_value_shift", field: \.maxValueShift, integers: \.maxValueShift, what: "an alignment shift"),
        RecordEntry(name: "output_scales", field: \.outputScales, integers: \.outputScales, what: "output scale"),
        RecordEntry(name: "output_shift", field: \.outputShift, integers: \.outputShift, what: "output shift"),
        RecordEntry(name: "a_shift", field: \.aShift, integers: \.aShift, what: "a_shift"),
        RecordEntry(name: "b_shift", field: \.bShift, integers: \.bShift, what: "b_shift"),
        RecordEntry(
            name: "new_state_scale", field: \.newStateScale, integers: \.newStateScale, what: "new state scale"),
        RecordEntry(
            name: "new_state_shift", field: \.newStateShift, integers: \.newStateShift, what: "new state shift"),
        RecordEntry(name: "zero_points", field: \.zeroPoints, integers: \.zeroPoints, what: "zero point"),
    ]
}
