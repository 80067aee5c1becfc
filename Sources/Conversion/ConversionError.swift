// ConversionError: every refusal of the converter names the offending layer, the rule it breaks
// and what the user can do. `referenceMessage` carries the text the reference (cnn2snn 2.19.3)
// prints for the same refusal, so users can search for it.
import Diagnostics

/// Why a quantized model cannot be converted.
public struct ConversionError: UserFacingError, Equatable, Sendable {
    public enum Kind: String, Sendable, Equatable {
        /// Model-level structure (inputs, outputs, data format, dilation, inbound counts).
        case structure
        /// A chain of layers that matches no Akida layer pattern.
        case invalidBlock
        /// A layer parameter the target cannot represent (bitwidths, kernels, pooling, padding).
        case parameter
        /// An Akida engine constraint met while building a layer.
        case engine
        /// A value that does not fit an Akida register.
        case registerOverflow
        /// A construct this implementation deliberately does not convert.
        case unsupported
        /// A bad argument (target name, file content).
        case invalidArgument
    }

    public var kind: Kind
    /// The Keras layer at fault (nil for model-wide problems).
    public var layer: String?
    /// A short stable identifier of the broken rule, e.g. `v1-unbounded-relu` (always set; optional
    /// as `UserFacingError` declares it).
    public var rule: String?
    /// The message as the reference words it (exception type prefix excluded).
    public var message: String
    /// What to change so that conversion succeeds (always set).
    public var fix: String?
    /// The Python exception type the reference raises for this refusal.
    public var referenceType: String
    /// The block's layers when the error was raised while building a block (the reference prefixes
    /// these as `Layers 'a', 'b': unsupported type [A, B]: `).
    public var block: [(name: String, className: String)]

    public init(
        kind: Kind, layer: String?, rule: String, message: String, fix: String,
        referenceType: String = "RuntimeError", block: [(name: String, className: String)] = []
    ) {
        self.kind = kind
        self.layer = layer
        self.rule = rule
        self.message = message
        self.fix = fix
        self.referenceType = referenceType
        self.block = block
    }

    public static func == (a: ConversionError, b: ConversionError) -> Bool {
        a.kind == b.kind && a.layer == b.layer && a.rule == b.rule && a.message == b.message
            && a.fix == b.fix && a.referenceType == b.referenceType
            && a.block.map(\.name) == b.block.map(\.name) && a.block.map(\.className) == b.block.map(\.className)
    }

    /// The message including the block prefix, as the reference prints it after the type.
    public var fullMessage: String {
        guard !block.isEmpty else { return message }
        let names = block.map { "'\($0.name)'" }.joined(separator: ", ")
        let classes = block.map(\.className).joined(separator: ", ")
        return "Layers \(names): unsupported type [\(classes)]: \(message)"
    }

    /// `<ExceptionType>: <message>` exactly as the reference's `*_error.txt` files hold it.
    public var referenceMessage: String { "\(referenceType): \(fullMessage)" }

    public var problemType: ProblemType { .conversionFailed }

    public var description: String {
        let rule = rule ?? ""
        var text = fullMessage
        if let layer { text = "layer '\(layer)' [\(rule)]: " + text } else { text = "[\(rule)]: " + text }
        return text + "\nHow to fix: " + (fix ?? "")
    }

    /// This error as an entry of a compatibility report.
    public var compatibilityProblem: CompatibilityProblem {
        CompatibilityProblem(layer: layer, rule: rule ?? "", message: fullMessage, fix: fix ?? "", kind: kind)
    }

    /// The same error attributed to a block being built (reference error wrapping).
    func wrapped(in blockLayers: [QuantizedKerasLayer]) -> ConversionError {
        guard block.isEmpty else { return self }
        var e = self
        e.block = blockLayers.map { ($0.name, $0.className) }
        return e
    }
}
