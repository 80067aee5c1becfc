// `spikeforge convert`: the reference CLI's conversion of a quantized .h5 into an Akida model
// (.fbz, optionally Akida JSON); the target option shared with `spikeforge check`.
import ArgumentParser
import Engine
import Foundation

/// The target of a conversion: `--akida-version`, else CNN2SNN_TARGET_AKIDA_VERSION, else v2.
struct AkidaVersionOption: ParsableArguments {
    @Option(
        name: .customLong("akida-version"),
        help: "Target Akida version: v1 (Akida 1.0) or v2 (Akida 2.0). Default: $CNN2SNN_TARGET_AKIDA_VERSION, else v2."
    )
    var akidaVersion: String?

    func target() throws -> AkidaTarget {
        if let akidaVersion {
            guard let target = AkidaTarget(argument: akidaVersion) else {
                throw ValidationError("--akida-version must be v1 or v2, got '\(akidaVersion)'")
            }
            return target
        }
        return try AkidaTarget.fromEnvironment(ProcessInfo.processInfo.environment)
    }
}

/// The file at `path`, with a clear error when it is missing.
func existingFile(_ path: String) throws -> URL {
    let url = URL(fileURLWithPath: path)
    guard FileManager.default.fileExists(atPath: url.path) else { throw ValidationError("no such file: \(path)") }
    return url
}

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a quantized .h5 model into an Akida model (.fbz), as cnn2snn's convert does.")

    @Option(name: [.customShort("m"), .long], help: "A quantized model (.h5) written by SpikeForge or QuantizeML.")
    var model: String

    @OptionGroup var version: AkidaVersionOption

    @Option(name: [.short, .long], help: "Output .fbz path (default: the model path with the .fbz extension).")
    var output: String?

    @Option(name: .long, help: "Also write the model as Akida JSON (akida.model_from_json loads it).")
    var json: String?

    func run() throws {
        let target = try version.target()
        let result = try ModelOperations.convert(quantizedAt: try existingFile(model), target: target)
        for warning in result.warnings {
            FileHandle.standardError.write(Data("UserWarning: \(warning)\n".utf8))
        }
        var out = output ?? (model as NSString).deletingPathExtension + ".fbz"
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
