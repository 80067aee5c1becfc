// Corpus access for the quantize() tests: the quantize arguments of meta.json as
// QuantizeOptions, and the cases quantized with quantizeml.models.quantize.
import Foundation
import KerasGraph
import NumPyIO
import Quantization
import TestSupport

enum PipelineFixtures {
    static func options(for c: String) throws -> QuantizeOptions {
        let meta = try Fixtures.meta(c)
        let args = meta["quantize_args"] as? [String: Any] ?? [:]
        let qp = try JSONSerialization.data(withJSONObject: args["qparams"] as? [String: Any] ?? [:])
        let params = try QuantizationParams(json: JSONValue(parsing: qp))
        var qConfig: JSONValue?
        if let name = args["q_config"] as? String {
            qConfig = try JSONValue(parsing: Data(contentsOf: Fixtures.file(c, name)))
        }
        let samples = try NPY.read(contentsOf: Fixtures.file(c, "calibration.npy"))
        let calibration = CalibrationOptions(
            samples: samples, numSamples: args["num_samples"] as? Int ?? 1024,
            batchSize: args["batch_size"] as? Int, epochs: args["epochs"] as? Int ?? 1)
        return QuantizeOptions(params: params, qConfig: qConfig, calibration: calibration)
    }

    static func quantizedCases() throws -> [String] {
        try Fixtures.corpusCases().filter { c in
            let args = try Fixtures.meta(c)["quantize_args"] as? [String: Any]
            return args?["function"] as? String == "quantizeml.models.quantize"
                && Fixtures.has(c, "quantized.h5")
        }
    }

}
