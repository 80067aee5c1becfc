// `spikeforge quantize`: quantize and calibrate a float tf_keras .h5 with QuantizeML semantics
// and write the quantized .h5 (loadable by quantizeml). Warnings go to stderr.
import ArgumentParser
import Engine
import Foundation
import JSON

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize and calibrate a float Keras model (QuantizeML 1.2.5 semantics).")

    @Option(name: [.customShort("m"), .long], help: "Float tf_keras model (.h5).")
    var model: String

    @Option(
        name: [.customLong("iq", withSingleDash: true), .customLong("input-weight-bits")],
        help: "Weight bits of the first weight layer.")
    var inputWeightBits: Int?

    @Option(name: [.customLong("wq", withSingleDash: true), .customLong("weight-bits")], help: "Weight bits.")
    var weightBits: Int?

    @Option(name: [.customLong("aq", withSingleDash: true), .customLong("activation-bits")], help: "Activation bits.")
    var activationBits: Int?

    @Option(name: .long, help: "QuantizationParams as a JSON file (reference field names); -iq/-wq/-aq override it.")
    var qparams: String?

    @Option(
        name: .customLong("q-config"),
        help: "Per-layer quant_config JSON (dump_config format); wins for the layers it names.")
    var qConfig: String?

    @Option(name: .long, help: "Calibration samples (.npy). Without it, random samples are drawn.")
    var samples: String?

    @Option(
        name: .customLong("num-samples"),
        help: "Number of calibration samples (default: all given samples, or 1024 random).")
    var numSamples: Int?

    @Option(name: .customLong("batch-size"), help: "Calibration batch size.")
    var batchSize: Int?

    @Option(name: .long, help: "Calibration epochs.")
    var epochs: Int = 1

    @Option(name: [.customShort("o"), .long], help: "Output quantized model (.h5).")
    var output: String

    func run() throws {
        let qparamsValue = try qparams.map { try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: $0))) }
        let qConfigValue = try qConfig.map { try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: $0))) }
        let sampleArray = try samples.map {
            try TensorFiles.firstArray(contentsOf: URL(fileURLWithPath: $0), subject: $0)
        }
        var lastReported = -1
        let calibration = CalibrationRequest(
            samples: sampleArray, numSamples: numSamples, batchSize: batchSize, epochs: epochs,
            seed: UInt64(Date().timeIntervalSince1970)
        ) { p in
            let percent = p.steps == 0 ? 100 : 100 * p.step / p.steps
            if percent / 10 != lastReported {
                lastReported = percent / 10
                FileHandle.standardError.write(Data("calibration epoch \(p.epoch + 1): \(p.step)/\(p.steps)\n".utf8))
            }
            return true
        }
        let request = QuantizeRequest(
            qparams: qparamsValue, inputWeightBits: inputWeightBits, weightBits: weightBits,
            activationBits: activationBits, qConfig: qConfigValue, calibration: calibration)
        let result = try ModelOperations.quantize(floatAt: URL(fileURLWithPath: model), request: request)
        for warning in result.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        for note in result.notes {
            FileHandle.standardError.write(Data("note: \(note)\n".utf8))
        }
        try result.save(to: URL(fileURLWithPath: output))
        let extent = result.fullyQuantized ? "fully" : "partially"
        print("quantized \(result.model.layers.count) layers (\(extent) quantized) -> \(output)")
    }
}
