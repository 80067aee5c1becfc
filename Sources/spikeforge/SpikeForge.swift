// spikeforge: the command-line interface — `serve` and the engine commands on one engine.
import ArgumentParser
import Engine

@main
struct SpikeForge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spikeforge",
        abstract: "Convert tf_keras models to Akida models: quantize, convert, summarise, simulate.",
        version: "spikeforge, \(KernelInfo.summary)",
        subcommands: [
            Serve.self, Inspect.self, Predict.self, QuantizeCommand.self, ConfigCommand.self,
            SummaryCommand.self, ConvertCommand.self, CheckCommand.self,
        ])
}
