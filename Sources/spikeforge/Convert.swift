// `spikeforge convert`: the reference CLI's conversion of a quantized .h5 into an Akida model
// (.fbz, optionally Akida JSON).
import ArgumentParser
import Engine
import Foundation

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a quantized .h5 model into an Akida model (.fbz), as cnn2snn's convert does.")

    @OptionGroup var quantized: QuantizedModelOption

    @OptionGroup var version: AkidaVersionOption

    @Option(name: [.short, .long], help: "Output .fbz path (default: the model path with the .fbz extension).")
    var output: String?

    @Option(name: .long, help: "Also write the model as Akida JSON (akida.model_from_json loads it).")
    var json: String?

    func run() throws {
        let target = try version.target()
        let result = try ModelOperations.convert(quantizedAt: try existingFile(quantized.model), target: target)
        for warning in result.warnings {
            FileHandle.standardError.write(Data("UserWarning: \(warning)\n".utf8))
        }
        var out = output ?? (quantized.model as NSString).deletingPathExtension + ".fbz"
        if (out as NSString).pathExtension.isEmpty { out += ".fbz" }
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(
            at: outURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try result.save(to: outURL)
        if let json {
            try result.saveJSON(to: URL(fileURLWithPath: json))
        }
        print("Model successfully converted and saved as \(out).")
    }
}
