// Compatibility: a full report of why a quantized model cannot run on a target — every problem
// (layer, rule, fix), not only the first one the converter would stop at. Blocks that fail are
// assumed fixed so that the blocks after them are still checked.

/// A block of the structural analysis: its significant layers and, when a pattern matched, the
/// block with its converter.
struct AnalyzedBlock {
    var layers: [QuantizedKerasLayer]
    var matched: MatchedBlock?
}

extension QuantizedKerasGraph {
    /// Model checks, block splitting and block patterns, collecting every problem; the blocks
    /// in order, unmatched ones without a converter.
    func structuralAnalysis(target: AkidaTarget) -> (problems: [ConversionError], sequence: [AnalyzedBlock]) {
        var problems = globalProblems(target: target)
        let (blocks, _) = splitIntoBlocks(target: target, problems: &problems)
        var matched: [MatchedBlock] = []
        var sequence: [AnalyzedBlock] = []
        for block in blocks {
            let significant = significantLayers(block)
            guard !significant.isEmpty else { continue }
            guard let m = match(significant, previous: matched, target: target) else {
                problems.append(invalidBlockError(significant, target: target))
                sequence.append(AnalyzedBlock(layers: significant, matched: nil))
                continue
            }
            problems += m.converter.check(m, in: self, target: target)
            matched.append(m)
            sequence.append(AnalyzedBlock(layers: significant, matched: m))
        }
        return (problems, sequence)
    }

    /// The problems found without the model's integer quantities.
    func structuralProblems(target: AkidaTarget) -> [CompatibilityProblem] {
        Converter.unique(structuralAnalysis(target: target).problems)
    }
}

extension Converter {
    /// Every problem that prevents converting `graph` for `target`; empty when it converts.
    public static func checkCompatibility(
        graph: QuantizedKerasGraph, records: QuantizationRecord, target: AkidaTarget
    ) -> [CompatibilityProblem] {
        var (problems, sequence) = graph.structuralAnalysis(target: target)
        var assembler = AkidaAssembler(graph: graph, records: records, target: target)
        for analyzed in sequence {
            guard let block = analyzed.matched else {
                assembler.addStandIn(analyzed.layers, main: analyzed.layers[0])
                continue
            }
            do {
                try assembler.add(block)
            } catch let error as ConversionError {
                problems.append(error.wrapped(in: block.layers))
                assembler.addStandIn(block.layers, main: block.main)
            } catch {
                problems.append(
                    ConversionError(
                        kind: .engine, layer: block.main.name, rule: "internal",
                        message: "\(error)", fix: "report this model to the SpikeForge maintainers"))
                assembler.addStandIn(block.layers, main: block.main)
            }
        }
        if problems.isEmpty && target == .v1 {
            do { _ = try assembler.equalizeV1ActSteps() } catch let error as ConversionError {
                problems.append(error)
            } catch {}
        }
        return unique(problems)
    }

    static func unique(_ problems: [ConversionError]) -> [CompatibilityProblem] {
        var seen = Set<String>()
        return problems.map(\.compatibilityProblem).filter {
            seen.insert("\($0.layer ?? "")|\($0.rule)|\($0.message)").inserted
        }
    }
}

/// One reason a model cannot be converted for a target, as reported by `checkCompatibility`.
public struct CompatibilityProblem: Equatable, Sendable, CustomStringConvertible {
    public var layer: String?
    public var rule: String
    public var message: String
    public var fix: String
    public var kind: ConversionError.Kind

    public init(layer: String?, rule: String, message: String, fix: String, kind: ConversionError.Kind) {
        self.layer = layer
        self.rule = rule
        self.message = message
        self.fix = fix
        self.kind = kind
    }

    public var description: String {
        "\(layer.map { "layer '\($0)'" } ?? "model") [\(rule)]: \(message)\n  fix: \(fix)"
    }
}
