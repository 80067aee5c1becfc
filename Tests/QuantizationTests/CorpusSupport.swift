// Helpers of the quantized-model corpus tests: loading a case's quantized model, inputs and
// per-layer dumps, and comparing QValues with the reference's quant_layers.npz entries.
import Foundation
import KerasGraph
import KerasHDF5
import NumPyIO
import Quantization
import Tensors
import TestSupport

enum CorpusCase {
    /// Cases quantized with the legacy `cnn2snn.quantize` (covered separately).
    static func legacyCases() throws -> [String] {
        try Fixtures.corpusCases().filter { name in
            let args = try Fixtures.meta(name)["quantize_args"] as? [String: Any]
            return args?["function"] as? String == "cnn2snn.quantize" && Fixtures.has(name, "quantized.h5")
        }
    }

    /// Cases with a QuantizeML quantized.h5.
    static func quantizedCases() throws -> [String] {
        let legacy = Set(try legacyCases())
        return try Fixtures.corpusCases().filter { name in
            Fixtures.has(name, "quantized.h5") && !legacy.contains(name)
        }
    }

    static func npy(_ name: String, _ file: String) throws -> NDArray {
        try NPY.read(contentsOf: Fixtures.file(name, file))
    }

    static func npz(_ name: String, _ file: String) throws -> [String: NDArray] {
        var out: [String: NDArray] = [:]
        for entry in try NPZ.read(contentsOf: Fixtures.file(name, file)) {
            out[entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name] = entry.array
        }
        return out
    }

    /// Every difference between the eager layer outputs of `model` (case `name`) and the reference
    /// dump quant_layers.npz, on the dump's inputs; empty when every dumped layer is exact.
    static func layerDumpFailures(_ name: String, model: QuantizedModel) throws -> [String] {
        let engine = try QuantizedEngine(model: model, mode: .eager)
        let meta = try Fixtures.meta(name)
        let inputs = try head(npy(name, "inputs.npy"), meta["layer_dump_samples"] as? Int)
        let dump = try npz(name, "quant_layers.npz")
        let outputs = try engine.layerOutputs(inputs)
        var failures: [String] = []
        // Reference layer order; a nested model is dumped once, as the tensor its consumer reads.
        let order = (meta["quantized_layers"] as? [String] ?? []).compactMap {
            $0.split(separator: ":").first.map(String.init)
        }
        let dumped = Set(dump.keys.compactMap { $0.split(separator: ":").first.map(String.init) })
        if dumped.isEmpty { failures.append("\(name): the reference dump is empty") }
        for (position, layerName) in order.enumerated() where dumped.contains(layerName) {
            var source = layerName
            if model.layer(named: layerName) == nil, position + 1 < order.count,
                let next = model.layer(named: order[position + 1]), let read = next.inputs.first
            {
                source = read.layer
            }
            guard let got = outputs[source] else { failures.append("\(layerName): not computed"); continue }
            if let d = compareLayer(layerName, got, dump) { failures.append(d) }
        }
        return failures
    }

    /// Sample i of the result is sample i % N of `a` (N samples).
    static func tiled(_ a: NDArray, to n: Int) throws -> NDArray {
        let per = a.shape.dropFirst().reduce(1, *) * a.dtype.byteSize
        var bytes: [UInt8] = []
        for i in 0..<n { bytes += a.bytes[(i % a.shape[0]) * per..<(i % a.shape[0] + 1) * per] }
        return try NDArray(dtype: a.dtype, shape: [n] + a.shape.dropFirst(), bytes: bytes)
    }

    /// The first `n` samples of a batch.
    static func head(_ a: NDArray, _ n: Int?) throws -> NDArray {
        guard let n, n < a.shape[0] else { return a }
        let per = a.shape.dropFirst().reduce(1, *) * a.dtype.byteSize
        return try NDArray(dtype: a.dtype, shape: [n] + a.shape.dropFirst(), bytes: Array(a.bytes[0..<(n * per)]))
    }
}

/// A case's quantized.h5, imported.
func loadQuantizedModel(_ name: String) throws -> QuantizedModel {
    try QuantizedModel(file: KerasH5.read(Fixtures.file(name, "quantized.h5")))
}

/// Compares a layer output with the reference dump; returns a description of the first difference.
func compareLayer(_ name: String, _ got: QValue, _ dump: [String: NDArray]) -> String? {
    switch got {
    case .quantized(let q):
        guard let values = dump["\(name):values"], let fb = dump["\(name):frac_bits"] else {
            return "\(name): reference has no integer dump"
        }
        guard values.shape == q.shape else { return "\(name): shape \(q.shape) vs \(values.shape)" }
        let want = values.doubles()
        var diffs = 0, maxDiff = 0.0, first = -1
        for i in want.indices where Double(q.values[i]) != want[i] {
            diffs += 1
            maxDiff = max(maxDiff, abs(Double(q.values[i]) - want[i]))
            if first < 0 { first = i }
        }
        if diffs > 0 {
            return
                "\(name): \(diffs)/\(want.count) values differ (max \(maxDiff) steps), "
                + "first at \(first): \(q.values[first]) vs \(want[first])"
        }
        let wantFb = fb.doubles()
        let gotFb = (0..<max(wantFb.count, 1)).map { Double(q.fracBits[wantFb.count == 1 ? 0 : $0]) }
        if wantFb != gotFb || (fb.shape.isEmpty != q.fracBits.isScalar && q.fracBits.values.count == wantFb.count) {
            return "\(name): frac bits \(q.fracBits) vs \(wantFb) shape \(fb.shape)"
        }
        if let vb = dump["\(name):value_bits"]?.doubles().first, Int(vb) != q.valueBits {
            return "\(name): value bits \(q.valueBits) vs \(Int(vb))"
        }
        let scales = dump["\(name):scales"]
        if (scales != nil) != q.isQFloat { return "\(name): QFloat \(q.isQFloat) vs reference \(scales != nil)" }
        if let scales, let s = q.scales {
            let w = scales.doubles()
            let g = (0..<w.count).map { Double(s[$0]) }
            if w != g || scales.shape.isEmpty != s.isScalar {
                return "\(name): scales differ (\(s.values.prefix(3)) vs \(w.prefix(3)))"
            }
        }
        return nil
    case .float(let t), .raw(let t, _):
        guard let want = dump["\(name):float"] else { return "\(name): reference has no float dump" }
        guard want.shape == t.shape else { return "\(name): shape \(t.shape) vs \(want.shape)" }
        let w = want.doubles()
        let m = w.map(abs).max() ?? 0
        for (i, v) in t.scalars.enumerated() where abs(Double(v) - w[i]) > 1e-4 * m + 1e-4 * abs(w[i]) {
            return "\(name): float \(v) vs \(w[i]) at \(i)"
        }
        return nil
    }
}
