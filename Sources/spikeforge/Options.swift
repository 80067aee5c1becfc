// spikeforge: the options several commands share — the quantized model of `check`, `convert` and
// `config`, the Akida target of `check` and `convert` — and the check that an input file exists.
import ArgumentParser
import Engine
import Foundation

/// `-m/--model`: a quantized tf_keras model.
struct QuantizedModelOption: ParsableArguments {
    @Option(name: [.customShort("m"), .long], help: "A quantized model (.h5) written by SpikeForge or QuantizeML.")
    var model: String
}

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
