// Patterns: the registered block patterns of both targets (in the reference's registration
// order, which the "Invalid block" message lists), the choice between the input table and the
// normal table, and the checks each block converter makes before any Akida layer exists.

/// The Akida layer (converter) a block pattern maps to.
enum BlockKind: Equatable {
    case quantizer, inputConv, conv, depthwise, separable, dense, add, concatenate, dequantizer
    case convTranspose, depthwiseTranspose, bufferTempConv, depthwiseBufferTempConv, statefulRecurrent, picoPostProcessing
}

struct Pattern {
    var classes: [String]
    var kind: BlockKind
}

enum PatternTables {
    private static func p(_ kind: BlockKind, _ lists: [[String]]) -> [Pattern] {
        lists.map { Pattern(classes: $0, kind: kind) }
    }

    static let densePatterns: [[String]] = [
        ["QuantizedDense"], ["QuantizedDense", "QuantizedReLU"], ["QuantizedFlatten", "QuantizedDense"],
        ["QuantizedFlatten", "QuantizedDense", "QuantizedReLU"], ["QuantizedReshape", "QuantizedDense"],
        ["QuantizedReshape", "QuantizedDense", "QuantizedReLU"],
        ["QuantizedReshape", "QuantizedFlatten", "QuantizedDense"],
        ["QuantizedReshape", "QuantizedFlatten", "QuantizedDense", "QuantizedReLU"],
    ]

    static let v2Normal: [Pattern] =
        p(.dense, densePatterns)
        + p(.conv, [
            ["QuantizedConv2D"], ["QuantizedConv2D", "QuantizedReLU"],
            ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
            ["QuantizedConv2D", "QuantizedReLU", "QuantizedGlobalAveragePooling2D"],
            ["QuantizedConv2D", "QuantizedGlobalAveragePooling2D"],
            ["QuantizedConv2D", "QuantizedActivation"],
            ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedActivation"],
            ["QuantizedConv2D", "QuantizedActivation", "QuantizedGlobalAveragePooling2D"],
        ])
        + p(.convTranspose, [["QuantizedConv2DTranspose"], ["QuantizedConv2DTranspose", "QuantizedReLU"],
                             ["QuantizedConv2DTranspose", "QuantizedActivation"]])
        + p(.depthwise, [
            ["QuantizedDepthwiseConv2D"], ["QuantizedDepthwiseConv2D", "QuantizedReLU"],
            ["QuantizedDepthwiseConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
            ["QuantizedDepthwiseConv2D", "QuantizedActivation"],
            ["QuantizedDepthwiseConv2D", "QuantizedMaxPool2D", "QuantizedActivation"],
        ])
        + p(.depthwiseTranspose, [["QuantizedDepthwiseConv2DTranspose"],
                                  ["QuantizedDepthwiseConv2DTranspose", "QuantizedReLU"],
                                  ["QuantizedDepthwiseConv2DTranspose", "QuantizedActivation"]])
        + p(.add, [["QuantizedAdd"]])
        + p(.concatenate, [["QuantizedConcatenate"]])
        + p(.dequantizer, [["Dequantizer"]])
        + p(.bufferTempConv, [["QuantizedBufferTempConv"], ["QuantizedBufferTempConv", "QuantizedReLU"]])
        + p(.depthwiseBufferTempConv, [["QuantizedDepthwiseBufferTempConv"],
                                       ["QuantizedDepthwiseBufferTempConv", "QuantizedReLU"]])
        + p(.statefulRecurrent, [
            ["QuantizedStatefulProjection", "QuantizedStatefulRecurrent", "QuantizedExtractToken",
             "QuantizedStatefulProjection", "QuantizedReLU"],
            ["QuantizedStatefulProjection", "QuantizedStatefulRecurrent", "QuantizedExtractToken",
             "QuantizedStatefulProjection"],
        ])
        + p(.picoPostProcessing, [["QuantizedPicoPostProcessing"]])

    static let v2Input: [Pattern] = p(.quantizer, [["InputQuantizer"]]) + p(.inputConv, [
        ["QuantizedConv2D", "QuantizedReLU"], ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
        ["QuantizedConv2D", "QuantizedActivation"], ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedActivation"],
    ])

    static let v1Normal: [Pattern] =
        p(.dense, densePatterns)
        + p(.conv, [
            ["QuantizedConv2D"], ["QuantizedConv2D", "QuantizedReLU"],
            ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
            ["QuantizedConv2D", "QuantizedGlobalAveragePooling2D", "QuantizedReLU"],
            ["QuantizedConv2D", "QuantizedGlobalAveragePooling2D"],
        ])
        + p(.separable, [
            ["QuantizedSeparableConv2D"], ["QuantizedSeparableConv2D", "QuantizedReLU"],
            ["QuantizedSeparableConv2D", "QuantizedGlobalAveragePooling2D", "QuantizedReLU"],
            ["QuantizedSeparableConv2D", "QuantizedGlobalAveragePooling2D"],
            ["QuantizedSeparableConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
        ])
        + p(.dequantizer, [["Dequantizer"]])

    static let v1Input: [Pattern] = p(.quantizer, [["InputQuantizer"]]) + p(.inputConv, [
        ["QuantizedConv2D", "QuantizedReLU"], ["QuantizedConv2D", "QuantizedMaxPool2D", "QuantizedReLU"],
    ])

    static func normal(_ target: AkidaTarget) -> [Pattern] { target == .v1 ? v1Normal : v2Normal }
    static func input(_ target: AkidaTarget) -> [Pattern] { target == .v1 ? v1Input : v2Input }

    static func lookup(_ classes: [String], in table: [Pattern]) -> BlockKind? {
        table.first { $0.classes == classes }?.kind
    }

    /// The reference's listing of the normal patterns sharing a class with `classes` (all of them
    /// when none does), one ` - A > B` line each.
    static func compatiblePatterns(for classes: [String], target: AkidaTarget) -> String {
        let table = normal(target)
        let wanted = Set(classes)
        var lines = table.filter { !wanted.isDisjoint(with: $0.classes) }
        if lines.isEmpty { lines = table }
        return lines.map { " - " + $0.classes.joined(separator: " > ") + "\n" }.joined()
    }
}

/// A block with the converter chosen for it.
struct MatchedBlock {
    var kind: BlockKind
    /// True when the block comes from the input table (Quantizer, InputConv2D, InputConvolutional).
    var isInput: Bool
    /// The block's significant layers, in order.
    var layers: [QLayer]

    var root: QLayer { layers[0] }
    func first(_ className: String) -> QLayer? { layers.first { $0.className == className } }
    var relu: QLayer? { first("QuantizedReLU") }
    var maxPool: QLayer? { first("QuantizedMaxPool2D") }
    var gap: QLayer? { first("QuantizedGlobalAveragePooling2D") }
    var lut: QLayer? { first("QuantizedActivation") }
    /// The layer the Akida layer is named after and whose weights it takes.
    var main: QLayer {
        switch kind {
        case .dense: return first("QuantizedDense") ?? root
        default: return root
        }
    }
    /// Output quantizer of the block: the one of its last layer.
    var outputQuantizer: OutputQuantizerConfig? { layers.last?.outputQuantizer }
}

extension QGraph {
    /// Chooses the converter of a block: the input table first when the block may be the model's
    /// input layer, else the normal table.
    func match(_ significant: [QLayer], previous: [MatchedBlock], target: AkidaTarget) -> MatchedBlock? {
        let classes = significant.map(\.className)
        if let kind = inputKind(classes, previous: previous, target: target) {
            return MatchedBlock(kind: kind, isInput: true, layers: significant)
        }
        guard let kind = PatternTables.lookup(classes, in: PatternTables.normal(target)) else { return nil }
        return MatchedBlock(kind: kind, isInput: false, layers: significant)
    }

    private func inputKind(_ classes: [String], previous: [MatchedBlock], target: AkidaTarget) -> BlockKind? {
        var earlier = previous
        if let first = earlier.first, first.kind == .quantizer {
            let q = first.root
            if q.config["signed"]?.bool ?? true || (q.config["bitwidth"]?.int ?? 8) != 8 { return nil }
            earlier.removeFirst()
        }
        guard earlier.isEmpty else { return nil }
        let kind = PatternTables.lookup(classes, in: PatternTables.input(target))
        if kind == .quantizer { return kind }
        let channels = modelInputShape?.last
        let integerInput = ["int8", "int16", "int32", "int64", "uint16", "uint32"].contains(modelInputDType)
        guard channels == 1 || channels == 3, !integerInput else { return nil }
        return kind
    }

    /// The "Invalid block found during conversion" error of a block that matches no pattern.
    func invalidBlockError(_ significant: [QLayer], target: AkidaTarget) -> ConversionError {
        let described = significant.map { "\($0.className) (\($0.name))" }.joined(separator: "\n")
        let listing = PatternTables.compatiblePatterns(for: significant.map(\.className), target: target)
        let chain = significant.map(\.className).joined(separator: " > ")
        return ConversionError(kind: .invalidBlock, layer: significant.first?.name, rule: "block-pattern",
            message: "Invalid block found during conversion:\n \(described)\nCompatible patterns that contain the faulty layers are:\n\(listing)",
            fix: "the chain \(chain) has no \(target == .v1 ? "Akida 1.0" : "Akida 2.0") layer; rearrange it into one of the listed patterns"
                + (target == .v2 && significant.contains { $0.className == "QuantizedSeparableConv2D" }
                   ? " (Akida 2.0 needs separable convolutions unfused into DepthwiseConv2D + 1x1 Conv2D)" : "")
                + (target == .v1 ? " or target Akida 2.0" : ""))
    }

    /// The checks a block converter makes on creation (before any Akida layer exists), in the
    /// reference's order; each element is one problem.
    func blockChecks(_ block: MatchedBlock, target: AkidaTarget) -> [ConversionError] {
        var problems: [ConversionError] = []
        let conv = block.root
        func poolPadding(_ pool: QLayer) {
            let convPad = conv.effectiveConvPadding, poolPad = pool.padding
            if convPad != poolPad {
                problems.append(ConversionError(kind: .parameter, layer: pool.name, rule: "pool-padding",
                    message: "Pooling layer \(pool.name) (padding: \(poolPad)) must have the same padding as \(conv.name) (padding: \(convPad)).",
                    fix: "give '\(pool.name)' padding='\(convPad)' (a 1x1 convolution counts as 'same')",
                    referenceType: "ValueError"))
            }
        }
        func poolParams(_ pool: QLayer) {
            guard pool.config["strides"].map({ !$0.isNull }) ?? false else { return }
            let size = pool.pair("pool_size") ?? [2, 2], strides = pool.pair("strides") ?? size
            if size.count == 2 && size[0] != size[1] {
                problems.append(ConversionError(kind: .parameter, layer: pool.name, rule: "square-pooling",
                    message: "In Akida v2 \(pool.name) should have square pooling",
                    fix: "use a square pool_size", referenceType: "ValueError"))
            }
            if strides.count == 2 && strides[0] != strides[1] {
                problems.append(ConversionError(kind: .parameter, layer: pool.name, rule: "square-pool-stride",
                    message: "In Akida v2 \(pool.name) pooling stride should be the same forboth dimensions",
                    fix: "use equal pooling strides", referenceType: "ValueError"))
            }
        }
        func weightBits(_ key: String, allowed: [Int], message: (Int) -> String, type: String = "ValueError") {
            let bits = conv.weightBits(key)
            if !allowed.contains(bits) {
                problems.append(ConversionError(kind: .parameter, layer: conv.name, rule: "weight-bits",
                    message: message(bits),
                    fix: "quantize the weights of '\(conv.name)' with \(allowed.map(String.init).joined(separator: ", ")) bits (weight_bits / input_weight_bits)",
                    referenceType: type))
            }
        }
        func square(_ what: String) {
            if conv.kernelSize.count == 2 && conv.kernelSize[0] != conv.kernelSize[1] {
                problems.append(ConversionError(kind: .parameter, layer: conv.name, rule: "square-kernel",
                    message: what == "DepthwiseConv2D" ? "DepthwiseConv2D kernel should be square" : "\(what) handle onlysquare kernels",
                    fix: "use a square kernel_size", referenceType: "AssertionError"))
            }
            if conv.strides.count == 2 && conv.strides[0] != conv.strides[1] {
                problems.append(ConversionError(kind: .parameter, layer: conv.name, rule: "square-stride",
                    message: what == "DepthwiseConv2D" ? "DepthwiseConv2D strides should be the same on both dimensions" : "\(what) stride should bethe same for both dimensions",
                    fix: "use equal strides on both axes", referenceType: "AssertionError"))
            }
        }
        func gapCheck(_ gap: QLayer) {
            guard let input = inputShape(gap), input.count == 3 else { return }
            let spatial = input[0] * input[1]
            if spatial > 256 {
                problems.append(ConversionError(kind: .parameter, layer: gap.name, rule: "v1-gap-size",
                    message: "Unsupported spatial size product (\(spatial)). We only accepts values smaller than 256. Consider to replace GlobalAveragePooling2D by MaxPooling2D.",
                    fix: "reduce the spatial size before '\(gap.name)' to at most 256 positions, or use MaxPooling2D"))
            }
        }
        func denseFlat() {
            let dense = block.main
            guard let input = inputShape(dense) else { return }
            if input.reduce(1, *) != (input.last ?? 0) {
                problems.append(ConversionError(kind: .parameter, layer: dense.name, rule: "dense-flat-input",
                    message: "The dense layer only handles flattened shapes (i.e (1, 1, X) or (X,)). Received: (\(pythonTuple(input.map { Optional($0) })))  shape.",
                    fix: "insert a Flatten before '\(dense.name)'"))
            }
        }

        switch (block.kind, target) {
        case (.inputConv, .v2):
            if let pool = block.maxPool { poolPadding(pool); poolParams(pool) }
            weightBits("weight_quantizer", allowed: [4, 8]) { "InputConvolutional layer can only handle weights with 4 or 8 bits. Received: \($0)." }
            square("InputConv2D")
        case (.inputConv, .v1):
            if let input = inputShape(conv), let c = input.last, c != 1 && c != 3 {
                problems.append(ConversionError(kind: .parameter, layer: conv.name, rule: "v1-input-channels",
                    message: "InputConvolutional layer can only handle image like inputs (i.e 3-D or 1-D input shape). Received: \(pythonTuple(input.map { Optional($0) })).",
                    fix: "feed 1- or 3-channel images", referenceType: "ValueError"))
            }
            weightBits("weight_quantizer", allowed: [4, 8]) { "InputConvolutional layer can only handle weights with 4 or 8 bits. Received: \($0)." }
            if block.layers.count > 1, block.layers[1].className == "QuantizedMaxPool2D" { poolPadding(block.layers[1]) }
        case (.conv, .v2):
            if let pool = block.maxPool { poolPadding(pool); poolParams(pool) }
            weightBits("weight_quantizer", allowed: [4, 8]) { "Conv2D layer can only handle weights with 4 or 8 bits. Received: \($0)." }
            square("Conv2D")
        case (.conv, .v1):
            weightBits("weight_quantizer", allowed: [1, 2, 4]) { "Convolutional layer can only handle weights with 1, 2 or 4 bits. Received: \($0)." }
            if let pool = block.maxPool { poolPadding(pool) } else if let gap = block.gap { gapCheck(gap) }
        case (.separable, _):
            weightBits("dw_weight_quantizer", allowed: [1, 2, 4]) { "SeparableConvolutional layer can only handle 1, 2, or 4 weight bits. Received: \($0)." }
            let pw = conv.weightBits("pw_weight_quantizer")
            if pw != conv.weightBits("dw_weight_quantizer") {
                problems.append(ConversionError(kind: .parameter, layer: conv.name, rule: "weight-bits",
                    message: "SeparableConvolutional layer pointwise weights should also be 4 bits. Received: \(pw).",
                    fix: "quantize depthwise and pointwise weights of '\(conv.name)' with the same bitwidth",
                    referenceType: "ValueError"))
            }
            if let pool = block.maxPool { poolPadding(pool) } else if let gap = block.gap { gapCheck(gap) }
        case (.depthwise, _):
            square("DepthwiseConv2D")
            weightBits("weight_quantizer", allowed: [4, 8], message: { "DepthwiseConv2D layer can only handle weights with 4 or 8 bits. Received: \($0)." }, type: "AssertionError")
            if let pool = block.maxPool { poolPadding(pool); poolParams(pool) }
        case (.dense, .v2):
            denseFlat()
        case (.dense, .v1):
            denseFlat()
            if let last = block.layers.last, last.className == "QuantizedReLU" {
                problems += v1ReluProblems(last)
            }
        case (.dequantizer, _):
            if conv.inbounds.count > 1 {
                problems.append(ConversionError(kind: .structure, layer: conv.name, rule: "dequantizer-single-inbound",
                    message: "Multi-inbounds in \(conv.name) is not supported.",
                    fix: "dequantize each branch separately"))
            }
        default:
            break
        }
        return problems
    }

    /// Akida 1.0 requirements on a ReLU that ends a block.
    func v1ReluProblems(_ relu: QLayer) -> [ConversionError] {
        if !relu.hasMaxValue {
            return [ConversionError(kind: .parameter, layer: relu.name, rule: "v1-unbounded-relu",
                message: "\(relu.name): in AkidaVersion.v1, unbounded QuantizedReLU is not supported.",
                fix: "give '\(relu.name)' a max_value (e.g. ReLU6) before quantizing, or target Akida 2.0",
                referenceType: "ValueError")]
        }
        if relu.outputQuantizer == nil {
            return [ConversionError(kind: .parameter, layer: relu.name, rule: "v1-relu-output-quantizer",
                message: "\(relu.name): in AkidaVersion.v1, output_quantizer is mandatory.",
                fix: "quantize the activation of '\(relu.name)' (activation_bits)", referenceType: "ValueError")]
        }
        return []
    }
}
