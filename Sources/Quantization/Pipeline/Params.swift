// QuantizationParams: the global defaults of a quantization run (QuantizeML 1.2.5 field names,
// defaults and validation), readable from and writable to JSON.
import KerasGraph
import Tensors

public struct QuantizationParams: Equatable, Sendable, CustomStringConvertible {
    public var activationBits: Int
    public var perTensorActivations: Bool
    public var weightBits: Int
    public var outputBits: Int
    public var inputWeightBits: Int
    /// Always an integer dtype (validated by the initialiser).
    public private(set) var inputDType: DType
    public var bufferBits: Int
    public var lastOutputBits: Int?

    /// The reference validates only `input_dtype`: it must name an integer dtype. Bit widths
    /// are not checked here; a width a quantizer rejects leaves that layer float (see quantize()).
    public init(
        activationBits: Int = 8, perTensorActivations: Bool = false, weightBits: Int = 8,
        outputBits: Int = 8, inputWeightBits: Int = 8, inputDType: String = "uint8",
        bufferBits: Int = 32, lastOutputBits: Int? = nil
    ) throws {
        self.activationBits = activationBits
        self.perTensorActivations = perTensorActivations
        self.weightBits = weightBits
        self.outputBits = outputBits
        self.inputWeightBits = inputWeightBits
        self.inputDType = try QuantizationParams.integerDType(inputDType)
        self.bufferBits = bufferBits
        self.lastOutputBits = lastOutputBits
    }

    /// The defaults: 8-bit everything, per-axis activations, uint8 inputs, 32-bit buffers.
    public static let `default` = try! QuantizationParams()

    public static let fieldNames = [
        "activation_bits", "per_tensor_activations", "weight_bits", "output_bits",
        "input_weight_bits", "input_dtype", "buffer_bits", "last_output_bits",
    ]

    /// Parses a JSON object with the reference's field names; absent fields take their defaults.
    public init(json: JSONValue) throws {
        guard let pairs = json.objectPairs else {
            throw QuantizationError.invalidParams("QuantizationParams must be a JSON object, got \(json)")
        }
        for (key, _) in pairs where !QuantizationParams.fieldNames.contains(key) {
            throw QuantizationError.invalidParams(
                "unknown QuantizationParams field '\(key)'; valid fields: "
                    + QuantizationParams.fieldNames.joined(separator: ", ")
            )
        }
        let defaults = QuantizationParams.default
        func int(_ key: String, _ def: Int) throws -> Int {
            guard let v = json[key] else { return def }
            guard let i = v.int else {
                throw QuantizationError.invalidParams("QuantizationParams.\(key) must be an integer, got \(v)")
            }
            return i
        }
        var perTensor = defaults.perTensorActivations
        if let v = json["per_tensor_activations"] {
            guard let b = v.bool else {
                throw QuantizationError.invalidParams(
                    "QuantizationParams.per_tensor_activations must be true or false, got \(v)")
            }
            perTensor = b
        }
        var dtype = defaults.inputDType.rawValue
        if let v = json["input_dtype"] {
            guard let s = v.string else {
                throw QuantizationError.invalidParams(
                    "QuantizationParams.input_dtype must be a dtype name such as \"uint8\", got \(v)")
            }
            dtype = s
        }
        var last: Int?
        if let v = json["last_output_bits"], !v.isNull {
            guard let i = v.int else {
                throw QuantizationError.invalidParams(
                    "QuantizationParams.last_output_bits must be an integer or null, got \(v)")
            }
            last = i
        }
        try self.init(
            activationBits: int("activation_bits", defaults.activationBits), perTensorActivations: perTensor,
            weightBits: int("weight_bits", defaults.weightBits), outputBits: int("output_bits", defaults.outputBits),
            inputWeightBits: int("input_weight_bits", defaults.inputWeightBits), inputDType: dtype,
            bufferBits: int("buffer_bits", defaults.bufferBits), lastOutputBits: last)
    }

    public var json: JSONValue {
        .object([
            ("activation_bits", .number(Double(activationBits))),
            ("per_tensor_activations", .bool(perTensorActivations)),
            ("weight_bits", .number(Double(weightBits))),
            ("output_bits", .number(Double(outputBits))),
            ("input_weight_bits", .number(Double(inputWeightBits))),
            ("input_dtype", .string(inputDType.rawValue)),
            ("buffer_bits", .number(Double(bufferBits))),
            ("last_output_bits", lastOutputBits.map { .number(Double($0)) } ?? .null),
        ])
    }

    /// The reference's `repr`.
    public var description: String {
        "QuantizationParams(activation_bits=\(activationBits), "
            + "per_tensor_activations=\(perTensorActivations ? "True" : "False"), "
            + "weight_bits=\(weightBits), output_bits=\(outputBits), input_weight_bits=\(inputWeightBits), "
            + "input_dtype=\(inputDType.rawValue), buffer_bits=\(bufferBits), "
            + "last_output_bits=\(lastOutputBits.map(String.init) ?? "None"))"
    }

    /// Signedness and width of the InputQuantizer `input_dtype` implies.
    var inputSigned: Bool { [.int8, .int16, .int32, .int64].contains(inputDType) }
    var inputBitwidth: Int { 8 * inputDType.byteSize }

    /// NumPy-style dtype names (and their common aliases) to an integer DType.
    static func integerDType(_ name: String) throws -> DType {
        let aliases: [String: String] = [
            "i1": "int8", "u1": "uint8", "i2": "int16", "u2": "uint16", "i4": "int32",
            "u4": "uint32", "i8": "int64", "u8": "uint64", "b": "int8", "B": "uint8",
            "f2": "float16", "f4": "float32", "f8": "float64", "float": "float64",
            "int": "int64", "half": "float16", "single": "float32", "double": "float64",
        ]
        let canonical = aliases[name] ?? name.lowercased().replacingOccurrences(of: "np.", with: "")
        guard let dtype = DType(rawValue: canonical) else {
            throw QuantizationError.invalidParams("data type '\(name)' not understood (QuantizationParams.input_dtype)")
        }
        guard !dtype.isFloatingPoint, dtype != .bool else {
            throw QuantizationError.invalidParams(
                "Unsupported \(dtype.rawValue) input dtype: it should be a integer subdtype.")
        }
        return dtype
    }
}
