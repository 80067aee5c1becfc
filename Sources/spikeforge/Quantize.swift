// `spikeforge quantize`: quantize and calibrate a float tf_keras .h5 with QuantizeML semantics
// and write the quantized .h5 (loadable by quantizeml). Warnings go to stderr.
import ArgumentParser
import Foundation
import JSON
import KerasGraph
import KerasHDF5
import NumPyIO
import Quantization

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize and calibrate a float Keras model (QuantizeML 1.2.5 semantics).")

    @Option(name: [.customShort("m"), .long], help: "Float tf_keras model (.h5).")
    var model: String

    @Option(name: [.customLong("iq", withSingleDash: true), .customLong("input-weight-bits")],
            help: "Weight bits of the first weight layer.")
    var inputWeightBits: Int?

    @Option(name: [.customLong("wq", withSingleDash: true), .customLong("weight-bits")], help: "Weight bits.")
    var weightBits: Int?

    @Option(name: [.customLong("aq", withSingleDash: true), .customLong("activation-bits")], help: "Activation bits.")
    var activationBits: Int?

    @Option(name: .long, help: "QuantizationParams as a JSON file (reference field names); -iq/-wq/-aq override it.")
    var qparams: String?

    @Option(name: .customLong("q-config"), help: "Per-layer quant_config JSON (dump_config format); wins for the layers it names.")
    var qConfig: String?

    @Option(name: .long, help: "Calibration samples (.npy). Without it, random samples are drawn.")
    var samples: String?

    @Option(name: .customLong("num-samples"), help: "Number of calibration samples (default: all given samples, or 1024 random).")
    var numSamples: Int?

    @Option(name: .customLong("batch-size"), help: "Calibration batch size.")
    var batchSize: Int?

    @Option(name: .long, help: "Calibration epochs.")
    var epochs: Int = 1

    @Option(name: [.customShort("o"), .long], help: "Output quantized model (.h5).")
    var output: String

    func run() throws {
        var params = QuantizationParams.default
        if let path = qparams {
            params = try QuantizationParams(json: JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: path))))
        }
        if let b = inputWeightBits { params.inputWeightBits = b }
        if let b = weightBits { params.weightBits = b }
        if let b = activationBits { params.activationBits = b }
        let qConfigValue = try qConfig.map { try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: $0))) }
        let sampleArray = try samples.map { try NPY.read(contentsOf: URL(fileURLWithPath: $0)) }
        let count = numSamples ?? sampleArray?.shape.first ?? 1024
        var lastReported = -1
        let calibration = CalibrationOptions(samples: sampleArray, numSamples: count, batchSize: batchSize, epochs: epochs,
                                             seed: UInt64(Date().timeIntervalSince1970)) { p in
            let percent = p.steps == 0 ? 100 : 100 * p.step / p.steps
            if percent / 10 != lastReported {
                lastReported = percent / 10
                FileHandle.standardError.write(Data("calibration epoch \(p.epoch + 1): \(p.step)/\(p.steps)\n".utf8))
            }
            return true
        }
        let options = QuantizeOptions(params: params, qConfig: qConfigValue, calibration: calibration)
        let file = try KerasH5.read(URL(fileURLWithPath: model))
        let result = try Quantizer.quantize(file, options: options)
        for warning in result.warnings {
            FileHandle.standardError.write(Data("warning: \(warning.message)\n".utf8))
        }
        try KerasH5.write(result.model.kerasModelFile(), to: URL(fileURLWithPath: output))
        print("quantized \(result.model.layers.count) layers (\(result.fullyQuantized ? "fully" : "partially") quantized) -> \(output)")
    }
}
