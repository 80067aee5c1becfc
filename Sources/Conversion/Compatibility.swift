// Compatibility: a full report of why a quantized model cannot run on a target — every problem
// (layer, rule, fix), not only the first one the converter would stop at. Blocks that fail are
// assumed fixed so that the blocks after them are still checked.

extension QGraph {
    /// Model checks, block splitting and block patterns, collecting every problem; the blocks
    /// in order, unmatched ones marked invalid.
    func structuralAnalysis(target: AkidaTarget) -> (problems: [ConversionError], sequence: [(block: MatchedBlock, valid: Bool)]) {
        var problems = globalProblems(target: target)
        let (blocks, _) = splitIntoBlocks(target: target, problems: &problems)
        var matched: [MatchedBlock] = []
        var sequence: [(block: MatchedBlock, valid: Bool)] = []
        for block in blocks {
            let significant = significantLayers(block)
            guard !significant.isEmpty else { continue }
            guard let m = match(significant, previous: matched, target: target) else {
                problems.append(invalidBlockError(significant, target: target))
                sequence.append((MatchedBlock(kind: .conv, isInput: false, layers: significant), false))
                continue
            }
            problems += blockChecks(m, target: target)
            matched.append(m)
            sequence.append((m, true))
        }
        return (problems, sequence)
    }

    /// The problems found without the model's integer quantities.
    func structuralProblems(target: AkidaTarget) -> [Problem] {
        Converter.unique(structuralAnalysis(target: target).problems)
    }
}

extension Converter {
    /// Every problem that prevents converting `graph` for `target`; empty when it converts.
    public static func checkCompatibility(graph: QGraph, records: QuantizationRecord, target: AkidaTarget) -> [Problem] {
        var (problems, sequence) = graph.structuralAnalysis(target: target)
        var assembler = AkidaAssembler(graph: graph, records: records, target: target)
        for (block, valid) in sequence {
            guard valid else {
                assembler.addStandIn(block)
                continue
            }
            do {
                try assembler.add(block)
            } catch let error as ConversionError {
                problems.append(error.wrapped(in: block.layers))
                assembler.addStandIn(block)
            } catch {
                problems.append(ConversionError(kind: .engine, layer: block.main.name, rule: "internal",
                    message: "\(error)", fix: "report this model to the SpikeForge maintainers"))
                assembler.addStandIn(block)
            }
        }
        if problems.isEmpty && target == .v1 {
            do { _ = try assembler.equalizeV1ActSteps() } catch let error as ConversionError { problems.append(error) } catch {}
        }
        return unique(problems)
    }

    static func unique(_ problems: [ConversionError]) -> [Problem] {
        var seen = Set<String>()
        return problems.map(\.problem).filter { seen.insert("\($0.layer ?? "")|\($0.rule)|\($0.message)").inserted }
    }
}
