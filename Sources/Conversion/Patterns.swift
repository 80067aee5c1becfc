// Patterns: the input and normal pattern tables of both targets, gathered from the registry of
// block converters, the choice between them for a block, and the "Invalid block" error that lists
// the registered patterns.

enum PatternTables {
    private static func table(_ target: AkidaTarget, input: Bool) -> [Pattern] {
        BlockConverters.all.filter { $0.isInputLayer == input }.flatMap { converter in
            converter.patterns(target).map { Pattern(classes: $0, converter: converter) }
        }
    }

    private static let v1Normal = table(.v1, input: false)
    private static let v2Normal = table(.v2, input: false)
    private static let v1Input = table(.v1, input: true)
    private static let v2Input = table(.v2, input: true)

    static func normal(_ target: AkidaTarget) -> [Pattern] { target == .v1 ? v1Normal : v2Normal }
    static func input(_ target: AkidaTarget) -> [Pattern] { target == .v1 ? v1Input : v2Input }

    static func lookup(_ classes: [String], in table: [Pattern]) -> (any BlockConverter)? {
        table.first { $0.classes == classes }?.converter
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

extension QuantizedKerasGraph {
    /// Chooses the converter of a block: the input table first when the block may be the model's
    /// input layer, else the normal table.
    func match(_ significant: [QuantizedKerasLayer], previous: [MatchedBlock], target: AkidaTarget) -> MatchedBlock? {
        let classes = significant.map(\.className)
        if let converter = inputConverter(classes, previous: previous, target: target) {
            return MatchedBlock(converter: converter, layers: significant)
        }
        guard let converter = PatternTables.lookup(classes, in: PatternTables.normal(target)) else { return nil }
        return MatchedBlock(converter: converter, layers: significant)
    }

    private func inputConverter(
        _ classes: [String], previous: [MatchedBlock], target: AkidaTarget
    ) -> (any BlockConverter)? {
        var earlier = previous
        if let first = earlier.first, first.converter is InputQuantizerConverter {
            let q = first.root
            if q.inputQuantizerSigned || q.inputQuantizerBits != 8 { return nil }
            earlier.removeFirst()
        }
        guard earlier.isEmpty else { return nil }
        let converter = PatternTables.lookup(classes, in: PatternTables.input(target))
        if converter is InputQuantizerConverter { return converter }
        let channels = modelInputShape?.last
        let integerInput = ["int8", "int16", "int32", "int64", "uint16", "uint32"].contains(modelInputDType)
        guard channels == 1 || channels == 3, !integerInput else { return nil }
        return converter
    }

    /// The "Invalid block found during conversion" error of a block that matches no pattern.
    func invalidBlockError(_ significant: [QuantizedKerasLayer], target: AkidaTarget) -> ConversionError {
        let described = significant.map { "\($0.className) (\($0.name))" }.joined(separator: "\n")
        let listing = PatternTables.compatiblePatterns(for: significant.map(\.className), target: target)
        let chain = significant.map(\.className).joined(separator: " > ")
        return ConversionError(
            kind: .invalidBlock, layer: significant.first?.name, rule: "block-pattern",
            message:
                "Invalid block found during conversion:\n \(described)\nCompatible patterns that contain the faulty "
                + "layers are:\n\(listing)",
            fix:
                "the chain \(chain) has no \(target == .v1 ? "Akida 1.0" : "Akida 2.0") layer; rearrange it into one "
                + "of the listed patterns"
                + (target == .v2 && significant.contains { $0.className == "QuantizedSeparableConv2D" }
                    ? " (Akida 2.0 needs separable convolutions unfused into DepthwiseConv2D + 1x1 Conv2D)" : "")
                + (target == .v1 ? " or target Akida 2.0" : ""))
    }
}
