// Engine: where the reference toolchain's known silent behaviours touch a model, per layer, so the
// report can tell a conversion effect from quantization noise (docs/reference: a QuantizeML Flatten
// re-aligns per-axis inputs with a shift CNN2SNN drops; output scales wider than 8 bits wrap
// modulo 256 in cnn2snn, which SpikeForge refuses to convert).
import Quantization

enum ReportMarks {
    /// Marks by quantized layer name.
    static func find(
        quantized: QuantizedModel, outputs: [String: QValue]
    ) -> [String: [ReportMark]] {
        var marks: [String: [ReportMark]] = [:]
        for layer in quantized.layers {
            if layer.baseClassName == "QuantizedFlatten", let source = layer.inputs.first?.layer,
                case .quantized(let q)? = outputs[source], !q.fracBits.isUniform
            {
                let mark = ReportMark(
                    rule: "flatten-shift-dropped",
                    detail:
                        "per-axis activations of '\(source)' reach Flatten '\(layer.name)': quantizeml re-aligns them "
                        + "with an input shift that cnn2snn does not carry into the next Akida layer, so Akida and "
                        + "the quantized model compute different sums from here on (reference behaviour)")
                marks[layer.name, default: []].append(mark)
                // The layer reading the Flatten is where Akida's sums part from the quantized ones.
                for consumer in quantized.layers where consumer.inputs.contains(where: { $0.layer == layer.name }) {
                    marks[consumer.name, default: []].append(mark)
                }
            }
            if let settings = QuantConfig(layer.quantConfig).outputQuantizer, settings.scaleBits > 8 {
                marks[layer.name, default: []].append(
                    ReportMark(
                        rule: "output-scale-wrap",
                        detail:
                            "the output quantizer of '\(layer.name)' uses \(settings.scaleBits)-bit scales: cnn2snn "
                            + "would wrap them modulo 256 without an error (SpikeForge refuses to convert instead); "
                            + "quantize with last_output_bits below 16"))
            }
        }
        return marks
    }
}
