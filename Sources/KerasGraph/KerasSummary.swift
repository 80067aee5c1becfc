// KerasSummary: the text of tf_keras `model.summary(line_length=…)` — same columns, wrapping
// and totals — for a graph read from a model config (nested models are one row, as in Keras).
import Foundation

public enum KerasSummary {
    /// The summary of `graph`, as tf_keras prints it with `line_length` (110 in the corpus).
    public static func text(graph: LayerGraph, lineLength: Int = 110) throws -> String {
        let description = try ModelDescription(graph: graph)
        return text(graph: graph, description: description, lineLength: lineLength)
    }

    public static func text(graph: LayerGraph, description: ModelDescription, lineLength: Int = 110) -> String {
        let rows = summaryRows(graph: graph, description: description)
        let sequential = graph.modelClass == "Sequential" || isSequentialLike(rows, graph: graph)
        let fractions: [Double] = sequential ? [0.45, 0.85, 1.0] : [0.3, 0.6, 0.7, 1.0]
        let positions = fractions.map { Int(Double(lineLength) * $0) }
        var lines = ["Model: \"\(graph.name)\"", String(repeating: "_", count: lineLength)]
        let header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        lines += formatRow(Array(header.prefix(positions.count)), positions: positions)
        lines.append(String(repeating: "=", count: lineLength))
        for row in rows {
            var fields = ["\(row.name) (\(row.className))", row.shapeText, String(row.params)]
            if !sequential { fields.append("[" + row.inbound.map { "'\($0)'" }.joined(separator: ", ") + "]") }
            lines += formatRow(fields, positions: positions)
            lines.append(String(repeating: " ", count: lineLength))
        }
        lines.append(String(repeating: "=", count: lineLength))
        let total = rows.reduce(0) { $0 + $1.params }, trainable = rows.reduce(0) { $0 + $1.trainable }
        // Keras sizes each variable by its dtype: an integer one (a Normalization's int64 count)
        // is not 4 bytes a value. Only non-trainable variables are integers.
        let wider = graph.nodes.flatMap(\.weights).filter { !$0.array.dtype.isFloatingPoint }
            .reduce(0) { $0 + $1.array.bytes.count - 4 * $1.array.count }
        lines.append("Total params: \(total) (\(readableSize(total * 4 + wider)))")
        lines.append("Trainable params: \(trainable) (\(readableSize(trainable * 4)))")
        lines.append("Non-trainable params: \(total - trainable) (\(readableSize((total - trainable) * 4 + wider)))")
        lines.append(String(repeating: "_", count: lineLength))
        return lines.joined(separator: "\n") + "\n"
    }

    struct Row {
        var name: String
        var className: String
        var shapeText: String
        var params: Int
        var trainable: Int
        var inbound: [String]
        var outputs: [String]
    }

    /// One row per layer of the outermost model; a nested model sums its nodes.
    static func summaryRows(graph: LayerGraph, description: ModelDescription) -> [Row] {
        let byName = Dictionary(description.layers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let outline =
            graph.modelLayers.isEmpty || graph.modelLayers.contains(where: { $0.nodes.contains { byName[$0] == nil } })
            ? graph.nodes.map { node in
                ModelLayer(
                    name: node.name, className: node.className,
                    inbound: node.inputs.map { "\($0.layer)[0][\($0.index)]" }, nodes: [node.name],
                    outputs: [TensorRef(layer: node.name)])
            }
            : graph.modelLayers
        return outline.map { entry in
            let members = entry.nodes.compactMap { byName[$0] }
            let shapes = entry.outputs.map { ref -> String in
                guard ref.index == 0, let shape = byName[ref.layer]?.outputShape else { return "?" }
                return pythonTuple(shape)
            }
            var shapeText = shapes.count == 1 ? shapes[0] : "[" + shapes.joined(separator: ", ") + "]"
            if entry.className == "InputLayer" { shapeText = "[" + shapeText + "]" }
            return Row(
                name: entry.name,
                className: entry.className.split(separator: ">").last.map(String.init) ?? entry.className,
                shapeText: shapeText, params: members.reduce(0) { $0 + $1.params },
                trainable: members.reduce(0) { $0 + $1.trainableParams },
                inbound: entry.inbound, outputs: entry.outputs.map(\.layer))
        }
    }

    /// Keras prints a functional model like a Sequential one when every depth of its graph
    /// holds one layer and no layer reads several tensors.
    static func isSequentialLike(_ rows: [Row], graph: LayerGraph) -> Bool {
        let sources = rows.map { row in row.inbound.map { label in String(label.prefix { $0 != "[" }) } }
        if sources.contains(where: { $0.count > 1 }) { return false }
        var depth = [Int?](repeating: nil, count: rows.count)
        let outputLayers = Set(graph.outputs.map(\.layer))
        for (i, row) in rows.enumerated() where row.outputs.contains(where: outputLayers.contains) { depth[i] = 0 }
        // Relax consumer → producer until depths settle (rows are few).
        let position = Dictionary(rows.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        var changed = true, rounds = 0
        while changed && rounds <= rows.count {
            changed = false
            rounds += 1
            for (i, producers) in sources.enumerated() {
                guard let d = depth[i] else { continue }
                for p in producers {
                    guard let j = position[p] else { continue }
                    if (depth[j] ?? -1) < d + 1 {
                        depth[j] = d + 1
                        changed = true
                    }
                }
            }
        }
        let levels = depth.compactMap { $0 }
        return Set(levels).count == levels.count
    }

    /// Python's repr of a shape tuple: `(None, 8)`, `(None,)`.
    static func pythonTuple(_ shape: [Int?]) -> String {
        let parts = shape.map { $0.map(String.init) ?? "None" }
        return parts.count == 1 ? "(\(parts[0]),)" : "(" + parts.joined(separator: ", ") + ")"
    }

    /// Lays out one row in columns ending at `positions`, wrapping long fields onto further
    /// lines, preferably after `),`, `},`, `],` or `',`.
    static func formatRow(_ fields: [String], positions: [Int]) -> [String] {
        var left = fields.map { Array($0) }
        var lines: [String] = []
        while left.contains(where: { !$0.isEmpty }) {
            var line: [Character] = []
            for col in 0..<left.count {
                let start = col > 0 ? positions[col - 1] : 0
                let isLast = col == positions.count - 1
                let space = isLast ? 0 : 2
                var cutoff = positions[col] - start - space - (isLast ? 0 : 1)
                cutoff = max(0, min(cutoff, left[col].count))
                var fit = Array(left[col][..<cutoff])
                let text = String(fit)
                let breaks = ["),", "},", "],", "',"].compactMap { mark -> Int? in
                    text.range(of: mark).map { text.distance(from: text.startIndex, to: $0.upperBound) }
                }
                if let best = breaks.min() {
                    cutoff = best
                    fit = Array(fit[..<cutoff])
                }
                if col == 0 { line.append(" ") }
                line += fit
                line += Array(repeating: " ", count: space)
                left[col] = Array(left[col][cutoff...])
                if line.count < positions[col] { line += Array(repeating: " ", count: positions[col] - line.count) }
            }
            lines.append(String(line))
        }
        return lines
    }

    /// Keras' memory figure: bytes in the largest unit below 1024, two decimals.
    static func readableSize(_ bytes: Int) -> String {
        var value = Double(bytes)
        for unit in ["Byte", "KB", "MB", "GB", "TB"] {
            if value / 1024 < 1 { return String(format: "%.2f", value) + " " + unit }
            value /= 1024
        }
        return String(format: "%.2f", value) + " PB"
    }
}
