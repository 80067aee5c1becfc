// AkidaModel: the in-memory Akida model shared by both targets (Akida 2.0 and 1.0): layers with
// their integer parameters, typed variables, inbound graph and shapes, as akida's to_dict has them.
import Tensors

/// The Akida IP generation a model targets.
public enum AkidaIPVersion: String, Sendable, Equatable {
    /// `pico`: the Akida 2.0 variant akida names for models with StatefulRecurrent layers.
    case v1, v2, pico

    /// Whether the model follows the Akida 2.0 rules (v2 and pico).
    public var isV2Family: Bool { self != .v1 }
}

/// Every layer type SpikeForge can hold, by akida's `LayerType` name.
public enum AkidaLayerType: String, Sendable, Equatable, CaseIterable {
    // Shared / Akida 2.0.
    case inputData = "InputData"
    case quantizer = "Quantizer"
    case inputConv2D = "InputConv2D"
    case conv2D = "Conv2D"
    case depthwiseConv2D = "DepthwiseConv2D"
    case conv2DTranspose = "Conv2DTranspose"
    case depthwiseConv2DTranspose = "DepthwiseConv2DTranspose"
    case bufferTempConv = "BufferTempConv"
    case depthwiseBufferTempConv = "DepthwiseBufferTempConv"
    case dense1D = "Dense1D"
    case add = "Add"
    case concatenate = "Concatenate"
    case dequantizer = "Dequantizer"
    case statefulRecurrent = "StatefulRecurrent"
    // Akida 1.0.
    case inputConvolutional = "InputConvolutional"
    case convolutional = "Convolutional"
    case separableConvolutional = "SeparableConvolutional"
    case fullyConnected = "FullyConnected"

    /// The type name as `Model.summary()` prints it (akida abbreviates the 1.0 names).
    public var summaryName: String { definition.summaryName }
}

/// Element type of an Akida variable.
public enum AkidaDType: String, Sendable, Equatable, CaseIterable {
    case int8, uint8, int16, uint16, int32, float32

    public var isFloatingPoint: Bool { self == .float32 }

    /// Inclusive value range of an integer dtype.
    public var integerRange: ClosedRange<Int64> {
        switch self {
        case .int8: return -128...127
        case .uint8: return 0...255
        case .int16: return -32768...32767
        case .uint16: return 0...65535
        case .int32, .float32: return Int64(Int32.min)...Int64(Int32.max)
        }
    }
}

/// Values of a variable: integers (any integer dtype, widened to Int32) or float32.
public enum AkidaValues: Sendable, Equatable {
    case integers([Int32])
    case floats([Float])

    public var count: Int {
        switch self {
        case .integers(let v): return v.count
        case .floats(let v): return v.count
        }
    }
}

/// A typed variable of a layer (weights, bias, shifts, scales, thresholds, ...).
public struct AkidaVariable: Sendable, Equatable {
    public var dtype: AkidaDType
    /// Stored bitwidth (akida keeps the minimal bitwidth of the data; 0 for floats).
    public var bitwidth: Int
    public var shape: [Int]
    public var values: AkidaValues

    public init(dtype: AkidaDType, bitwidth: Int, shape: [Int], values: AkidaValues) throws {
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), values.count == count else {
            throw AkidaModelError.invalidVariable("shape \(shape) needs \(count) values, got \(values.count)")
        }
        switch values {
        case .floats where !dtype.isFloatingPoint, .integers where dtype.isFloatingPoint:
            throw AkidaModelError.invalidVariable("values do not match dtype \(dtype.rawValue)")
        case .integers(let ints):
            let range = dtype.integerRange
            if let bad = ints.first(where: { !range.contains(Int64($0)) }) {
                throw AkidaModelError.invalidVariable("value \(bad) does not fit dtype \(dtype.rawValue)")
            }
        case .floats:
            break
        }
        self.dtype = dtype
        self.bitwidth = bitwidth
        self.shape = shape
        self.values = values
    }

    /// Builds a variable whose bitwidth is the minimal one of its data (the rule akida applies).
    public init(dtype: AkidaDType, shape: [Int], values: AkidaValues) throws {
        try self.init(dtype: dtype, bitwidth: 0, shape: shape, values: values)
        bitwidth = AkidaVariable.minimalBitwidth(dtype: dtype, values: values)
    }

    public var integers: [Int32] {
        if case .integers(let v) = values { return v }
        return []
    }

    public var floats: [Float] {
        switch values {
        case .floats(let v): return v
        case .integers(let v): return v.map { Float($0) }
        }
    }

    /// akida's bitwidth of data: 0 for floats; unsigned: bits of the maximum (at least 1);
    /// signed: smallest b with every value in [-2^(b-1), 2^(b-1)-1] (at least 2).
    public static func minimalBitwidth(dtype: AkidaDType, values: AkidaValues) -> Int {
        guard case .integers(let ints) = values else { return 0 }
        let lo = Int64(ints.min() ?? 0), hi = Int64(ints.max() ?? 0)
        if dtype == .uint8 || dtype == .uint16 {
            return max(1, 64 - UInt64(max(hi, 0)).leadingZeroBitCount)
        }
        var b = 2
        while !(lo >= -(Int64(1) << (b - 1)) && hi <= (Int64(1) << (b - 1)) - 1) { b += 1 }
        return b
    }
}

/// One Akida layer: name, type, integer parameters, variables, inbound layer names and shapes.
public struct AkidaLayer: Sendable, Equatable {
    public var name: String
    public var type: AkidaLayerType
    /// Every parameter but `layer_type` (written sorted by name, as akida does).
    public var parameters: [String: Int]
    public var variables: [String: AkidaVariable]
    public var inbounds: [String]
    /// One shape per inbound ([D0, D1, C]); a single shape for input layers.
    public var inputShapes: [[Int]]
    public var outputShape: [Int]

    public init(
        name: String, type: AkidaLayerType, parameters: [String: Int],
        variables: [String: AkidaVariable], inbounds: [String],
        inputShapes: [[Int]], outputShape: [Int]
    ) {
        self.name = name
        self.type = type
        self.parameters = parameters
        self.variables = variables
        self.inbounds = inbounds
        self.inputShapes = inputShapes
        self.outputShape = outputShape
    }

    /// A required integer parameter, or an error naming the layer.
    public func parameter(_ key: String) throws -> Int {
        guard let v = parameters[key] else {
            throw AkidaModelError.missingParameter(layer: name, parameter: key)
        }
        return v
    }

    /// A required variable, or an error naming the layer.
    public func variable(_ key: String) throws -> AkidaVariable {
        guard let v = variables[key] else {
            throw AkidaModelError.missingVariable(layer: name, variable: key)
        }
        return v
    }

    /// Shape of the `weights` variable, shown as "Kernel shape" in the summary.
    public var kernelShape: [Int]? { variables["weights"]?.shape }
}

/// An Akida model: layers in topological order (akida's stored order).
public struct AkidaModel: Sendable, Equatable {
    public var akidaVersion: String
    public var ipVersion: AkidaIPVersion
    public var layers: [AkidaLayer]
    public var inputShape: [Int]
    public var outputShape: [Int]

    /// The akida release whose schema and semantics this implementation follows.
    public static let referenceVersion = "2.19.3"

    public init(
        akidaVersion: String = AkidaModel.referenceVersion, ipVersion: AkidaIPVersion,
        layers: [AkidaLayer], inputShape: [Int], outputShape: [Int]
    ) throws {
        self.akidaVersion = akidaVersion
        self.ipVersion = ipVersion
        self.layers = layers
        self.inputShape = inputShape
        self.outputShape = outputShape
        try validateGraph()
        try validateVariables()
    }

    /// The checks akida applies when variables are written: a stored bitwidth not below the
    /// data's, and weights within the range of `weights_bits` (two's complement on Akida 2.0,
    /// symmetric on Akida 1.0).
    public func validateVariables() throws {
        for layer in layers {
            for (name, v) in layer.variables.sorted(by: { $0.key < $1.key }) {
                let actual = AkidaVariable.minimalBitwidth(dtype: v.dtype, values: v.values)
                guard v.bitwidth >= actual else {
                    throw AkidaModelError.invalidVariable(
                        "The specified bitwidth (\(v.bitwidth)) must be higher or equal to the actual bitwidth "
                            + "(\(actual)) of \(name) from the layer '\(layer.name)'.")
                }
            }
            guard let bits = layer.parameters["weights_bits"], (1...8).contains(bits) else { continue }
            let hi = (1 << (bits - 1)) - 1, lo = ipVersion == .v1 ? -hi : -hi - 1
            for name in ["weights", "weights_pw"] {
                guard let w = layer.variables[name] else { continue }
                if let bad = w.integers.first(where: { $0 < lo || $0 > hi }) {
                    let limit = bad < lo ? "Minimum authorized value is \(lo)" : "Maximum authorized value is \(hi)"
                    throw AkidaModelError.invalidLayer(
                        layer: layer.name, reason: "\(name): invalid value \(bad). \(limit) for weights_bits \(bits)")
                }
            }
        }
    }

    /// Names unique, inbounds refer to earlier layers (topological order), a first layer exists.
    public func validateGraph() throws {
        guard !layers.isEmpty else { throw AkidaModelError.invalidGraph("the model has no layers") }
        var seen = Set<String>()
        for layer in layers {
            for inbound in layer.inbounds where !seen.contains(inbound) {
                throw AkidaModelError.invalidGraph(
                    "layer '\(layer.name)' has inbound '\(inbound)' which is not an earlier layer")
            }
            guard seen.insert(layer.name).inserted else {
                throw AkidaModelError.invalidGraph("two layers are named '\(layer.name)'")
            }
        }
        if !layers[0].inbounds.isEmpty {
            throw AkidaModelError.invalidGraph("the first layer '\(layers[0].name)' must have no inbounds")
        }
    }

    public func layer(named name: String) -> AkidaLayer? { layers.first { $0.name == name } }
}
