// RefusedBlocks: the Akida 2.0 layers the reference registers but SpikeForge does not build
// (pico post-processing). Their patterns stay registered so that blocks match as in the reference and the "Invalid block" listing is the same. The rule:
// building one refuses the block, naming its layer.

struct RefusedBlockConverter: BlockConverter {
    /// The Akida 2.0 patterns of the refused layer.
    let v2Patterns: [[String]]

    static let picoPostProcessing = RefusedBlockConverter(v2Patterns: [["QuantizedPicoPostProcessing"]])

    func patterns(_ target: AkidaTarget) -> [[String]] { target == .v2 ? v2Patterns : [] }

    func build(_ block: MatchedBlock, inbounds: [String], into assembler: inout AkidaAssembler) throws {
        throw ConversionError(
            kind: .unsupported, layer: block.main.name, rule: "unsupported-layer",
            message: "\(block.main.className) blocks are not supported by SpikeForge's converter",
            fix: "post-processing layers are outside SpikeForge's scope; "
                + "convert this model with cnn2snn",
            referenceType: "NotImplementedError")
    }
}
