// The Akida layer registry: one type per `AkidaLayerType` (in Layers/), found through the one
// table below. Each type owns its parameters, variables, summary row, compile step and simulation
// step; the model, the summary and the simulator only ask the registry.

/// A parameter of a layer type: its name, akida's default when it builds the layer, and the range
/// the simulator accepts.
public struct AkidaParameterSpec: Sendable, Equatable {
    public var name: String
    /// The value akida gives a new layer (reference 7.10); nil when akida has none or it is unknown.
    public var akidaDefault: Int?
    /// Values the simulator accepts; nil: any value (the layer checks it where it is used).
    public var validRange: ClosedRange<Int>?

    public init(_ name: String, akidaDefault: Int? = nil, validRange: ClosedRange<Int>? = nil) {
        self.name = name
        self.akidaDefault = akidaDefault
        self.validRange = validRange
    }
}

/// A variable of a layer type: its name, the dtype akida writes, its shape in the reference's
/// dimension names, and the value the simulator uses when the variable is absent.
public struct AkidaVariableSpec: Sendable, Equatable {
    public var name: String
    public var dtype: AkidaDType
    /// e.g. "(filters,)" or "(kernel_size, kernel_size, C, filters)"; C = input channels.
    public var shape: String
    /// Every element when the variable is absent (akida's default); nil: the variable is required.
    public var defaultValue: Int64?

    public init(_ name: String, _ dtype: AkidaDType, shape: String, defaultValue: Int64? = nil) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.defaultValue = defaultValue
    }
}

/// What one Akida layer type holds and shows. Conforming types live in Layers/, one per file.
public protocol AkidaLayerDefinition {
    static var type: AkidaLayerType { get }
    static var parameters: [AkidaParameterSpec] { get }
    static var variables: [AkidaVariableSpec] { get }
    /// The type name `Model.summary()` prints.
    static var summaryName: String { get }
    /// The layer's row in the summary's layers table.
    static func summaryRow(_ layer: AkidaLayer) -> AkidaSummaryLayer
}

extension AkidaLayerDefinition {
    public static var summaryName: String { type.rawValue }

    public static func summaryRow(_ layer: AkidaLayer) -> AkidaSummaryLayer {
        AkidaSummaryLayer(
            name: layer.name, type: summaryName, outputShape: layer.outputShape,
            kernelShapes: layer.variables["weights"].map { [$0.shape] } ?? [])
    }

    public static func parameter(named name: String) -> AkidaParameterSpec? {
        parameters.first { $0.name == name }
    }

    public static func variable(named name: String) -> AkidaVariableSpec? {
        variables.first { $0.name == name }
    }
}

/// The simulator's side of a layer type: how many inbounds it reads and how it compiles into a
/// simulation step.
protocol SimulatedLayer: AkidaLayerDefinition {
    /// true for the types that may read the model input as first layer (no inbound then).
    static var readsModelInput: Bool { get }
    /// Inbound layers it needs, given the number it names.
    static func inboundCount(given: Int) -> Int
    /// Checks the layer against its inputs and builds its simulation step.
    static func compile(_ r: LayerReader) throws -> CompiledLayer
}

extension SimulatedLayer {
    static var readsModelInput: Bool { false }
    static func inboundCount(given: Int) -> Int { 1 }
}

extension AkidaLayerType {
    /// The registry entry of this layer type.
    public var definition: any AkidaLayerDefinition.Type { simulated }

    /// The registry table.
    var simulated: any SimulatedLayer.Type {
        switch self {
        case .inputData: return InputDataLayer.self
        case .quantizer: return QuantizerLayer.self
        case .inputConv2D: return InputConv2DLayer.self
        case .conv2D: return Conv2DLayer.self
        case .depthwiseConv2D: return DepthwiseConv2DLayer.self
        case .conv2DTranspose: return Conv2DTransposeLayer.self
        case .depthwiseConv2DTranspose: return DepthwiseConv2DTransposeLayer.self
        case .bufferTempConv: return BufferTempConvLayer.self
        case .depthwiseBufferTempConv: return DepthwiseBufferTempConvLayer.self
        case .dense1D: return Dense1DLayer.self
        case .add: return AddLayer.self
        case .concatenate: return ConcatenateLayer.self
        case .dequantizer: return DequantizerLayer.self
        case .statefulRecurrent: return StatefulRecurrentLayer.self
        case .inputConvolutional: return InputConvolutionalLayer.self
        case .convolutional: return ConvolutionalLayer.self
        case .separableConvolutional: return SeparableConvolutionalLayer.self
        case .fullyConnected: return FullyConnectedLayer.self
        }
    }
}
