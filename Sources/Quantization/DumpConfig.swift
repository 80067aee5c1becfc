// dump_config: the per-layer quantization configuration of a quantized model, as QuantizeML's
// `dump_config` returns it — `{layer name: quant_config}` for every quantized layer class whose
// config holds a non-empty quant_config (InputQuantizer and Dequantizer are not listed).
import KerasGraph

extension QuantizedModel {
    public func dumpConfig() -> JSONValue {
        var entries: [(String, JSONValue)] = []
        for layer in layers where layer.baseClassName.hasPrefix("Quantized") {
            guard let qc = layer.quantConfig, let pairs = qc.objectPairs, !pairs.isEmpty else { continue }
            entries.append((layer.name, qc))
        }
        return .object(entries)
    }
}
