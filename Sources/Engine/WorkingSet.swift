// Engine: what a model's description says about running it on a dataset — the memory one sample
// needs (so batches are sized by bytes, not by a user's number) and whether a dataset's samples
// have the shape its input takes — answered from the stored description, without loading weights.
import Foundation

extension ModelInfo {
    /// Values are counted at 8 bytes: float32 activations and the integer or double copies the
    /// quantized engine and the Akida simulator keep beside them.
    static let bytesPerValue = 8
    /// Layer outputs alive at once: a layer's input and output, and one more for a skip
    /// connection. (ds_cnn_kws quantized: 0.19 MiB a sample estimated; an infer batch of 1370 grew
    /// the server by 263 MiB, 0.19 MiB a sample — scripts/bench-memory.py.)
    static let liveOutputs = 3

    /// The description as `json` (what `ModelInfo.json` wrote) reads it back.
    public init(json: String) throws {
        self = try JSONDecoder().decode(ModelInfo.self, from: Data(json.utf8))
    }

    /// Estimated bytes one sample occupies while the model runs: its inputs and the largest layer
    /// outputs that are alive together. The engines free an activation once its consumers ran.
    public var bytesPerSample: Int {
        func values(_ shape: [Int?]) -> Int { shape.dropFirst().reduce(1) { $0 * max(1, $1 ?? 1) } }
        let input = inputs.compactMap(\.shape).reduce(0) { $0 + values($1) }
        let largest = layers.compactMap(\.outputShape).map(values).sorted(by: >).prefix(ModelInfo.liveOutputs)
        return max(1, input + largest.reduce(0, +)) * ModelInfo.bytesPerValue
    }

    /// The largest batch whose working set fits `budgetBytes` (at least 1).
    public func maxBatch(budgetBytes: Int) -> Int { max(1, budgetBytes / bytesPerSample) }

    /// Nil when samples of `sampleShape` (a dataset's shape without its first axis) fit the
    /// model's only input; otherwise why not, with both shapes as numbers. Models with several
    /// inputs or an unknown input shape are not judged here.
    public func sampleShapeMismatch(_ sampleShape: [Int]) -> String? {
        guard inputs.count == 1, let declared = inputs[0].shape else { return nil }
        let expected = Array(declared.dropFirst())
        let fits =
            expected.count == sampleShape.count && zip(expected, sampleShape).allSatisfy { $0 == nil || $0 == $1 }
        // Akida takes (C) samples for a (1, 1, C) input.
        let flattened =
            kind == .akida && expected.count == 3 && expected[0] == 1 && expected[1] == 1
            && sampleShape.count == 1 && expected[2] == sampleShape[0]
        if fits || flattened { return nil }
        let text = "[" + expected.map { $0.map(String.init) ?? "None" }.joined(separator: ", ") + "]"
        return "samples of shape \(sampleShape) do not fit the input '\(inputs[0].name)' of shape \(text)"
    }
}
