// `spikeforge check`: every reason a quantized .h5 cannot be converted for an Akida version.
import ArgumentParser
import Engine
import Foundation

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report every reason a quantized .h5 model cannot be converted for an Akida version (exit 1 if any).")

    @OptionGroup var quantized: QuantizedModelOption

    @OptionGroup var version: AkidaVersionOption

    @Flag(help: "Print the report as JSON.")
    var jsonOutput = false

    func run() throws {
        let target = try version.target()
        let report = try ModelOperations.check(quantizedAt: try existingFile(quantized.model), target: target)
        let problems = report.problems
        if jsonOutput {
            print(report.json)
        } else if problems.isEmpty {
            print("The model is compatible with Akida \(target == .v1 ? "1.0" : "2.0").")
        } else {
            print(
                "\(problems.count) problem\(problems.count == 1 ? "" : "s") prevent conversion for Akida "
                    + "\(target == .v1 ? "1.0" : "2.0"):"
            )
            for (i, p) in problems.enumerated() {
                print("\n\(i + 1). \(p.layer.map { "layer '\($0)'" } ?? "model") [\(p.rule)]")
                print(
                    "   "
                        + p.message.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(
                            of: "\n", with: "\n   "))
                print("   fix: \(p.fix)")
            }
        }
        if !problems.isEmpty { throw ExitCode(1) }
    }
}
