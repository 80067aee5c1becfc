// BlockConverter: the registry of block converters. Each converter owns one Akida layer: the block
// patterns (chains of QuantizeML classes) it takes per target, the checks it makes when a block
// matches, and its Akida 2.0 and 1.0 builders. The table's order is the reference's registration
// order, which decides the first matching pattern and the listing of the "Invalid block" message.
import Quantization

/// One Akida layer converter.
protocol BlockConverter: Sendable {
    /// True for the converters of the model's first layer, matched from the input table.
    var isInputLayer: Bool { get }
    /// The block patterns this converter takes for `target`, in registration order (empty when the
    /// target has no such layer).
    func patterns(_ target: AkidaTarget) -> [[String]]
    /// The layer the Akida layer is named after and takes its weights from.
    func mainLayer(of layers: [QuantizedKerasLayer]) -> QuantizedKerasLayer
    /// The checks made when a block matches, before any Akida layer exists, in the reference's
    /// order; each element is one problem.
    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError]
    /// Adds the block's Akida layer (for the assembler's target) to the model being assembled.
    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws
}

extension BlockConverter {
    var isInputLayer: Bool { false }
    func mainLayer(of layers: [QuantizedKerasLayer]) -> QuantizedKerasLayer { layers[0] }
    func check(_ block: MatchedBlock, in graph: QuantizedKerasGraph, target: AkidaTarget) -> [ConversionError] { [] }
}

/// Every block converter, in the reference's registration order.
enum BlockConverters {
    static let all: [any BlockConverter] = [
        InputQuantizerConverter(), InputConv2DConverter(),
        DenseConverter(), Conv2DConverter(), Conv2DTransposeConverter.standard, SeparableConv2DConverter(),
        DepthwiseConv2DConverter(), Conv2DTransposeConverter.depthwiseTranspose, AddConverter(),
        ConcatenateConverter(), DequantizerConverter(), BufferTempConvConverter.standard,
        BufferTempConvConverter.depthwiseForm, StatefulRecurrentConverter(),
        RefusedBlockConverter.picoPostProcessing,
    ]
}

/// A registered block pattern and its converter.
struct Pattern: Sendable {
    var classes: [String]
    var converter: any BlockConverter
}

/// A block with the converter chosen for it.
struct MatchedBlock {
    var converter: any BlockConverter
    /// The block's significant layers, in order.
    var layers: [QuantizedKerasLayer]

    /// True when the block comes from the input table (Quantizer, InputConv2D, InputConvolutional).
    var isInput: Bool { converter.isInputLayer }
    var root: QuantizedKerasLayer { layers[0] }
    func first(_ className: String) -> QuantizedKerasLayer? { layers.first { $0.className == className } }
    var relu: QuantizedKerasLayer? { first("QuantizedReLU") }
    var maxPool: QuantizedKerasLayer? { first("QuantizedMaxPool2D") }
    var gap: QuantizedKerasLayer? { first("QuantizedGlobalAveragePooling2D") }
    var lut: QuantizedKerasLayer? { first("QuantizedActivation") }
    /// The layer the Akida layer is named after and whose weights it takes.
    var main: QuantizedKerasLayer { converter.mainLayer(of: layers) }
    /// Output quantizer of the block: the one of its last layer.
    var outputQuantizer: OutputQuantizerSettings? { layers.last?.outputQuantizer }
}
