// Model summary: the text of akida's Model.summary() for an unmapped model (one software
// sequence) and the same information as a structured value for JSON output. Each layer's row
// comes from its registry type.

/// One row of the layers table.
public struct AkidaSummaryLayer: Sendable, Equatable {
    public var name: String
    public var type: String
    public var outputShape: [Int]
    /// Shapes of the kernels (`weights`, then `weights_pw` for separable layers); empty when none.
    public var kernelShapes: [[Int]]
    /// akida prints some types' kernels in one cell (StatefulRecurrent), others one per row.
    public var kernelsInOneCell: Bool

    public init(name: String, type: String, outputShape: [Int], kernelShapes: [[Int]], kernelsInOneCell: Bool = false) {
        self.name = name
        self.type = type
        self.outputShape = outputShape
        self.kernelShapes = kernelShapes
        self.kernelsInOneCell = kernelsInOneCell
    }
}

/// A sequence of layers run by one backend (unmapped models: a single software sequence).
public struct AkidaSummarySequence: Sendable, Equatable {
    public var name: String
    public var backend: String
    public var layers: [AkidaSummaryLayer]
}

/// What `Model.summary()` shows.
public struct AkidaSummary: Sendable, Equatable {
    public var inputShape: [Int]
    public var outputShape: [Int]
    public var layerCount: Int
    public var sequences: [AkidaSummarySequence]

    public init(model: AkidaModel) {
        inputShape = model.inputShape
        outputShape = model.outputShape
        layerCount = model.layers.count
        // Leading InputData layers never belong to a sequence.
        let body = model.layers.drop { $0.type == .inputData }
        if let first = body.first, let last = body.last {
            let name = first.name == last.name ? "SW/\(first.name)" : "SW/\(first.name)-\(last.name)"
            let rows = body.map { $0.type.definition.summaryRow($0) }
            sequences = [AkidaSummarySequence(name: name, backend: "Software", layers: rows)]
        } else {
            sequences = []
        }
    }

    /// The exact text akida prints (each line ends with "\n").
    public var text: String {
        var out = SummaryTable(
            title: "Model Summary",
            header: ["Input shape", "Output shape", "Sequences", "Layers"],
            rows: [[pythonList(inputShape), pythonList(outputShape), String(sequences.count), String(layerCount)]],
            banners: nil
        ).render()
        guard !sequences.isEmpty else { return out }
        var rows: [[String]] = []
        var banners: [String?] = []
        for sequence in sequences {
            for (i, layer) in sequence.layers.enumerated() {
                let cells = layer.kernelShapes.map(pythonTuple)
                let kernel = (layer.kernelsInOneCell ? cells.joined(separator: "  ") : cells.first) ?? "N/A"
                rows.append(["\(layer.name) (\(layer.type))", pythonList(layer.outputShape), kernel])
                banners.append(i == 0 ? "\(sequence.name) (\(sequence.backend))" : nil)
                for extra in layer.kernelShapes.dropFirst() where !layer.kernelsInOneCell {
                    rows.append(["", "", pythonTuple(extra)])
                    banners.append(nil)
                }
            }
        }
        out += "\n"
        out += SummaryTable(
            title: nil, header: ["Layer (type)", "Output shape", "Kernel shape"],
            rows: rows, banners: banners
        ).render()
        return out
    }
}

/// akida's generic table printer (reference section 9.1).
struct SummaryTable {
    var title: String?
    var header: [String]
    var rows: [[String]]
    /// Per row: a banner printed before it, or nil. nil for the whole table: no banners.
    var banners: [String?]?

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (j, cell) in row.enumerated() { widths[j] = max(widths[j], cell.count) }
        }
        let total = widths.reduce(0, +) + 2 * widths.count
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { j, c in c + String(repeating: " ", count: widths[j] - c.count) }
                .joined(separator: "  ") + "\n"
        }
        var out = ""
        if let title {
            let left = max(0, (total - title.count) / 2)
            let right = max(0, total - title.count - left)
            out += String(repeating: " ", count: left) + title + String(repeating: " ", count: right) + "\n"
        }
        let rule = String(repeating: "_", count: total) + "\n"
        out += rule + line(header)
        let hasBanner = banners?.contains { $0 != nil } ?? false
        if !hasBanner { out += String(repeating: "=", count: total) + "\n" }
        for (r, row) in rows.enumerated() {
            if let banner = banners?[r] ?? nil {
                let isPass = banner.contains("pass")
                if !isPass { out += "\n" }
                let half = max(Double(total - banner.count) / 2, 1)
                out +=
                    String(repeating: "=", count: Int((half - 1).rounded(.up))) + " " + banner + " "
                    + String(repeating: "=", count: Int((half - 1).rounded(.down))) + "\n"
                if !isPass { out += "\n" }
            } else if r > 0 && row[0] != rows[0][0] {
                out += rule
            }
            out += line(row)
        }
        return out + rule
    }
}

func pythonList(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

func pythonTuple(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
