// Compatibility: a full report of why a quantized model cannot run on a target — every problem
// (layer, rule, fix), not only the first one the converter would stop at. Blocks that fail are
// assumed fixed so that the blocks after them are still checked.

extension Converter {
    /// Every problem that prevents converting `graph` for `target`; empty when it converts.
    public static func checkCompatibility(graph: QGraph, records: QuantizationRecord, target: AkidaTarget) -> [Problem] {
        var problems = graph.globalProblems(target: target)
        let (blocks, _) = graph.splitIntoBlocks(target: target, problems: &problems)
        var matched: [MatchedBlock] = []
        // Unmatched blocks stay in the sequence as stand-ins so that later blocks find their inbounds.
        var sequence: [(block: MatchedBlock, valid: Bool)] = []
        for block in blocks {
            let significant = graph.significantLayers(block)
            guard !significant.isEmpty else { continue }
            guard let m = graph.match(significant, previous: matched, target: target) else {
                problems.append(graph.invalidBlockError(significant, target: target))
                sequence.append((MatchedBlock(kind: .conv, isInput: false, layers: significant), false))
                continue
            }
            problems += graph.blockChecks(m, target: target)
            matched.append(m)
            sequence.append((m, true))
        }
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
        var seen = Set<String>()
        return problems.map(\.problem).filter { seen.insert("\($0.layer ?? "")|\($0.rule)|\($0.message)").inserted }
    }
}
